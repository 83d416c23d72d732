// One thread block of an emulated launch, run on the calling OS thread (blocks.cpp), and what the blocks
// of one launch share (launch.cpp): the launch's failure, its deadline, and a cluster's barrier and shared
// memory.
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "emu.h"

namespace rnn4j_emu {

// The outcome of one launch, shared by its blocks: the first failure wins and stops every block.
struct LaunchState {
    std::atomic<bool> aborted{false};
    std::mutex m;
    int code = 0;
    std::string why;
    std::chrono::steady_clock::time_point deadline;

    void fail(int c, const std::string& w);
    bool late() const { return std::chrono::steady_clock::now() > deadline; }
};

// The blocks of one cluster: a barrier across their OS threads and each block's dynamic shared memory.
struct ClusterState {
    std::mutex m;
    std::condition_variable cv;
    unsigned expected = 0;   // blocks still running
    unsigned arrived = 0;
    unsigned long generation = 0;
    std::vector<unsigned char*> shared;   // by rank
    size_t shared_bytes = 0;
    LaunchState* launch = nullptr;

    // Waits until every running block of the cluster has arrived; false when the launch failed meanwhile.
    bool arrive_and_wait();
    // A block that has finished no longer takes part in the barrier.
    void drop();
};

struct BlockSpec {
    const Launch* launch;
    uint3 block_idx;
    LaunchState* state;
    ClusterState* cluster;      // null outside clusters
    unsigned rank;              // in the cluster
    unsigned char* shared;      // the block's dynamic shared memory (launch.shared_bytes)
};

// Runs every thread of one block to its end (or until the launch fails).
void run_block(const BlockSpec& spec);

}  // namespace rnn4j_emu
