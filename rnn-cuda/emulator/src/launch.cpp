// A launch's grid. Ordinary launches run their blocks one after another on the stream's worker thread.
// Cooperative launches run every block at once, each on its own OS thread, so that a kernel's own grid
// barrier really waits for the other blocks; cluster launches do the same for the blocks of one cluster
// (clusters one after another: they never wait for each other). The checks are CUDA's: block and grid
// limits, dynamic shared memory above 48 KiB only after the function opted in, a cooperative grid that
// fits on the device at once, a grid that is a multiple of the cluster, a cluster that fits on the device.
#include <cstdlib>
#include <cstring>
#include <string>

#include "blocks.h"

namespace rnn4j_emu {
namespace {

// OS threads for the blocks that must run at once, kept between launches.
class Helpers {
public:
    void run(std::vector<std::function<void()>>& tasks) {
        // tasks[0] runs on the caller; the others on helpers.
        std::unique_lock<std::mutex> g(m_);
        while (idle_ < tasks.size() - 1) {
            threads_.emplace_back([this] { loop(); });
            idle_++;
        }
        pending_ = tasks.size() - 1;
        for (size_t i = 1; i < tasks.size(); i++) queue_.push_back(&tasks[i]);
        cv_.notify_all();
        g.unlock();
        tasks[0]();
        g.lock();
        done_.wait(g, [this] { return pending_ == 0; });
    }

private:
    void loop() {
        std::unique_lock<std::mutex> g(m_);
        for (;;) {
            cv_.wait(g, [this] { return !queue_.empty(); });
            std::function<void()>* task = queue_.front();
            queue_.pop_front();
            idle_--;
            g.unlock();
            (*task)();
            g.lock();
            idle_++;
            if (--pending_ == 0) done_.notify_all();
        }
    }

    std::mutex m_;
    std::condition_variable cv_, done_;
    std::deque<std::function<void()>*> queue_;
    std::vector<std::thread> threads_;
    size_t idle_ = 0;
    size_t pending_ = 0;
};

Helpers& helpers() {
    static Helpers* h = new Helpers;  // never destroyed: its threads live as long as the process
    return *h;
}

std::mutex g_helpers_lock;  // one set of simultaneous blocks at a time

double timeout_seconds() {
    const char* v = std::getenv("RNN4J_EMU_TIMEOUT_S");
    double s = v ? std::atof(v) : 0;
    return s > 0 ? s : 120;
}

unsigned cluster_size(const Function* f) {
    return f->info->cluster[0] * f->info->cluster[1] * f->info->cluster[2];
}

}  // namespace

int occupancy_blocks_per_sm(const Function* f, int threads, size_t dynamic_shared, int* out) {
    const Device* d = f->module->ctx->dev;
    if (threads <= 0 || threads > 1024) return kInvalidValue;
    int warps = (threads + 31) / 32;
    int by_threads = d->max_threads_per_sm / (warps * 32);
    int by_shared = d->max_blocks_per_sm;
    if (dynamic_shared > static_cast<size_t>(d->shared_optin)) {
        by_shared = 0;
    } else if (dynamic_shared > 0) {
        by_shared = d->shared_per_sm / static_cast<int>(dynamic_shared + 1024);  // 1 KiB reserved per block
    }
    int n = by_threads < d->max_blocks_per_sm ? by_threads : d->max_blocks_per_sm;
    *out = n < by_shared ? n : by_shared;
    return kSuccess;
}

int occupancy_clusters(const Function* f, uint3 grid, uint3 block, unsigned shared, unsigned cluster, int* out) {
    const Device* d = f->module->ctx->dev;
    (void) grid;
    if (cluster == 0) cluster = cluster_size(f);
    if (d->cc_major < 9 || cluster > 8) {
        *out = 0;
        return d->cc_major < 9 ? kNotSupported : kSuccess;
    }
    int per_sm = 0;
    int rc = occupancy_blocks_per_sm(f, static_cast<int>(block.x * block.y * block.z), shared, &per_sm);
    if (rc) return rc;
    *out = per_sm * d->sms / static_cast<int>(cluster);
    return kSuccess;
}

int prepare_launch(Launch& l, const Function* f, uint3 grid, uint3 block, unsigned shared, void** params,
                   bool cooperative) {
    const Device* d = f->module->ctx->dev;
    unsigned threads = block.x * block.y * block.z;
    if (block.x == 0 || block.y == 0 || block.z == 0 || block.x > 1024 || block.y > 1024 || block.z > 64
        || threads > 1024 || grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.x > 0x7fffffffu || grid.y > 65535
        || grid.z > 65535) {
        return kInvalidValue;
    }
    int allowed = f->max_dynamic_shared;
    if (shared > static_cast<unsigned>(allowed)) return kInvalidValue;
    unsigned cs = cluster_size(f);
    if (cs > 1) {
        if (d->cc_major < 9) return kNotSupported;
        if (f->info->cluster[1] != 1 || f->info->cluster[2] != 1) return kNotSupported;  // only 1-D clusters here
        if (cs > 8 || grid.x % cs != 0) return kInvalidClusterSize;
        if (cooperative) return kNotSupported;
        int fit = 0;
        occupancy_clusters(f, grid, block, shared, cs, &fit);
        if (fit == 0) return kLaunchOutOfResources;  // not one cluster can be resident at once
    }
    if (cooperative) {
        int per_sm = 0;
        occupancy_blocks_per_sm(f, static_cast<int>(threads), shared, &per_sm);
        if (static_cast<long long>(grid.x) * grid.y * grid.z > static_cast<long long>(per_sm) * d->sms) {
            return kCooperativeLaunchTooLarge;
        }
    }
    int n = f->info->nargs;
    if (n > 0 && !params) return kInvalidValue;
    size_t bytes = 0;
    for (int i = 0; i < n; i++) bytes += (f->info->arg_sizes[i] + 15) / 16 * 16;
    l.fn = f;
    l.grid = grid;
    l.block = block;
    l.shared_bytes = shared;
    l.cooperative = cooperative;
    l.storage.assign(bytes, 0);
    l.args.assign(static_cast<size_t>(n), nullptr);
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        if (!params[i]) return kInvalidValue;
        std::memcpy(l.storage.data() + at, params[i], f->info->arg_sizes[i]);
        at += (f->info->arg_sizes[i] + 15) / 16 * 16;
    }
    at = 0;
    for (int i = 0; i < n; i++) {
        l.args[static_cast<size_t>(i)] = l.storage.data() + at;
        at += (f->info->arg_sizes[i] + 15) / 16 * 16;
    }
    return kSuccess;
}

int run_launch(const Launch& l, std::string* why) {
    LaunchState st;
    st.deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(static_cast<long long>(timeout_seconds() * 1000));
    unsigned total = l.grid.x * l.grid.y * l.grid.z;
    unsigned cs = cluster_size(l.fn);
    auto index = [&](unsigned i) { return uint3{i % l.grid.x, (i / l.grid.x) % l.grid.y, i / (l.grid.x * l.grid.y)}; };
    if (cs <= 1 && !l.cooperative) {
        std::vector<unsigned char> shared(l.shared_bytes);
        for (unsigned i = 0; i < total && !st.aborted.load(); i++) {
            if (!shared.empty()) std::memset(shared.data(), 0xff, shared.size());  // NaN until written
            BlockSpec spec{&l, index(i), &st, nullptr, 0, shared.data()};
            run_block(spec);
        }
    } else {
        unsigned group = cs > 1 ? cs : total;  // blocks that run at once
        std::vector<std::vector<unsigned char>> shared(group, std::vector<unsigned char>(l.shared_bytes));
        std::lock_guard<std::mutex> g(g_helpers_lock);
        for (unsigned first = 0; first < total && !st.aborted.load(); first += group) {
            ClusterState cluster;
            cluster.expected = group;
            cluster.launch = &st;
            cluster.shared_bytes = l.shared_bytes;
            std::vector<BlockSpec> specs(group);
            std::vector<std::function<void()>> tasks(group);
            for (unsigned r = 0; r < group; r++) {
                std::memset(shared[r].data(), 0xff, shared[r].size());
                cluster.shared.push_back(shared[r].data());
                specs[r] = BlockSpec{&l, index(first + r), &st, cs > 1 ? &cluster : nullptr, r, shared[r].data()};
                tasks[r] = [&specs, r] { run_block(specs[r]); };
            }
            helpers().run(tasks);
        }
    }
    if (st.code) {
        if (why) *why = st.why;
        return st.code;
    }
    return kSuccess;
}

}  // namespace rnn4j_emu
