"""Kernel latency benchmark: tsamp beside Debian's ipykernel, measured by the same code in one run.

  /usr/bin/python3 bench/kernel.py [--kernel tsamp] [--reference python3] [--runs 200] [--starts 10]

Measures, for each kernel:
  first reply  KernelManager.start_kernel() to the kernel_info_reply of a kernel_info_request sent
             right after it (ms; median over --starts fresh kernels): process start to first reply
  first reply, eager client
             the same with a plain zeromq socket that retries its connection every 5 ms: zeromq
             retries a refused connection every 100 ms by default (reconnect_ivl), and a client
             that connects before the kernel has bound (jupyter_client does) sees the reply at the
             first retry after the bind, so the figure above moves in steps of ~100 ms; this one
             follows the kernel's own readiness
  startup    KernelManager.start_kernel() to wait_for_ready() (ms; median): the same plus
             jupyter_client's readiness polling (it also waits for an iopub message, up to 0.2 s
             per try, and starts over without one)
  first result
             KernelManager.start_kernel() to the execute_reply and idle of the first cell, a
             trivial typed one sent right after wait_for_ready (ms; median): what Restart & Run
             All waits before its first output (the kernel loads its compiler, library and typings)
  execute    execute_request -> execute_reply + idle round trip of a trivial typed cell (p50/p95 ms),
             the same cell re-run, and a new cell each time (new names, so the checker sees new text)
  wire       the same re-run round trip sent and read with jupyter_client's Session on plain
             synchronous zeromq sockets: what the kernel takes, without the blocking client's
             per-call overhead (it runs each get_*_msg through an event loop)
  complete   complete_request -> complete_reply round trip (p50/p95 ms)
and prints a Markdown table for docs/benchmarks.md with ratios tsamp / reference.
"""
import argparse
import json
import statistics
import sys
import time

import zmq

from jupyter_client.manager import KernelManager

CELLS = {
    # Trivial typed cells of equal meaning in each language; {i} makes each cell's text new.
    "typescript": ("const n: number = 1; n + 1", "const n{i}: number = {i}; n{i} + 1", "Math.flo"),
    "python": ("n: int = 1; n + 1", "n{i}: int = {i}; n{i} + 1", "import math; math.flo"),
}


def cells_for(km):
    """The benchmark's cells in the kernel's language."""
    return CELLS["typescript" if km.kernel_spec.language.lower() == "typescript" else "python"]


def percentile(values, q):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def launch(kernel_name):
    """A started kernel with its client's channels open, and when start_kernel was called."""
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    return km, kc, t0


def start(kernel_name):
    km, kc, t0 = launch(kernel_name)
    kc.wait_for_ready(timeout=60)
    return km, kc, (time.perf_counter() - t0) * 1000


def first_reply(kernel_name):
    km, kc, t0 = launch(kernel_name)
    msg_id = kc.kernel_info()  # queued by zeromq until the kernel binds its shell socket
    while kc.get_shell_msg(timeout=60)["parent_header"].get("msg_id") != msg_id:
        pass
    elapsed = (time.perf_counter() - t0) * 1000
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return elapsed


def first_reply_eager(kernel_name):
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel()
    info = km.get_connection_info()
    context = zmq.Context()
    shell = context.socket(zmq.DEALER)
    shell.setsockopt(zmq.RECONNECT_IVL, 5)
    shell.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
    try:
        msg_id = km.session.send(shell, "kernel_info_request", {})["header"]["msg_id"]
        while True:
            if not shell.poll(60_000):
                raise TimeoutError("no kernel_info_reply within 60 s")
            _, frames = km.session.feed_identities(shell.recv_multipart())
            if km.session.deserialize(frames)["parent_header"].get("msg_id") == msg_id:
                return (time.perf_counter() - t0) * 1000
    finally:
        shell.close(linger=0)
        context.term()
        km.shutdown_kernel(now=True)


def wait_idle(kc, msg_id):
    while True:
        msg = kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return


def round_trips(kc, send, runs):
    times = []
    for i in range(runs + 5):
        t0 = time.perf_counter()
        msg_id = send(i)
        kc.get_shell_msg(timeout=30)
        wait_idle(kc, msg_id)
        if i >= 5:  # the first few warm caches up
            times.append((time.perf_counter() - t0) * 1000)
    return times


def wire_round_trips(km, cell, runs):
    """Execute round trips over plain zeromq sockets, signed and parsed by the kernel's Session."""
    info = km.get_connection_info()
    context = zmq.Context()
    address = lambda port: f"{info['transport']}://{info['ip']}:{info[port]}"
    shell = context.socket(zmq.DEALER)
    shell.connect(address("shell_port"))
    iopub = context.socket(zmq.SUB)
    iopub.setsockopt(zmq.SUBSCRIBE, b"")
    iopub.connect(address("iopub_port"))
    poller = zmq.Poller()
    poller.register(shell, zmq.POLLIN)
    poller.register(iopub, zmq.POLLIN)
    session = km.session
    content = {"code": cell, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False}

    def one():
        msg_id = session.send(shell, "execute_request", content)["header"]["msg_id"]
        replied = idle = False
        while not (replied and idle):
            ready = dict(poller.poll(30_000))
            if not ready:
                raise TimeoutError("no execute_reply and idle within 30 s")
            for socket in ready:
                _, frames = session.feed_identities(socket.recv_multipart())
                msg = session.deserialize(frames)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                replied |= msg["msg_type"] == "execute_reply"
                idle |= msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"

    time.sleep(0.5)  # the subscription reaches the kernel's publisher
    times = []
    try:
        for i in range(runs + 5):
            t0 = time.perf_counter()
            one()
            if i >= 5:
                times.append((time.perf_counter() - t0) * 1000)
    finally:
        shell.close(linger=0)
        iopub.close(linger=0)
        context.term()
    return times


def measure(kernel_name, runs, starts):
    first_replies = [first_reply(kernel_name) for _ in range(starts)]
    first_replies_eager = [first_reply_eager(kernel_name) for _ in range(starts)]
    startups = []
    first_results = []
    for _ in range(starts):
        km, kc, t0 = launch(kernel_name)
        kc.wait_for_ready(timeout=60)
        startups.append((time.perf_counter() - t0) * 1000)
        cell = cells_for(km)[0]
        kc.execute_interactive(cell, timeout=120, output_hook=lambda msg: None)
        first_results.append((time.perf_counter() - t0) * 1000)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    km, kc, _ = start(kernel_name)
    cell, new_cell, completion = cells_for(km)
    kc.execute_interactive(cell, timeout=120, output_hook=lambda msg: None)  # load everything once
    execute = round_trips(kc, lambda i: kc.execute(cell, store_history=False), runs)
    execute_new = round_trips(kc, lambda i: kc.execute(new_cell.format(i=i), store_history=False), runs)
    complete = round_trips(kc, lambda i: kc.complete(completion, len(completion)), runs)
    wire = wire_round_trips(km, cell, runs)
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return {
        "first_kernel_info_reply_ms": statistics.median(first_replies),
        "first_kernel_info_reply_eager_client_ms": statistics.median(first_replies_eager),
        "startup_ms": statistics.median(startups),
        "first_result_ms": statistics.median(first_results),
        "execute_p50_ms": percentile(execute, 50),
        "execute_p95_ms": percentile(execute, 95),
        "execute_wire_p50_ms": percentile(wire, 50),
        "execute_wire_p95_ms": percentile(wire, 95),
        "execute_new_cell_p50_ms": percentile(execute_new, 50),
        "execute_new_cell_p95_ms": percentile(execute_new, 95),
        "complete_p50_ms": percentile(complete, 50),
        "complete_p95_ms": percentile(complete, 95),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kernel", default="tsamp")
    parser.add_argument("--reference", default="python3")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    results = {name: measure(name, args.runs, args.starts) for name in (args.kernel, args.reference)}
    ours, ref = results[args.kernel], results[args.reference]
    targets = {"first_kernel_info_reply_ms": "<= 300", "first_kernel_info_reply_eager_client_ms": "<= 300", "execute_p50_ms": "<= 3", "execute_wire_p50_ms": "<= 3", "complete_p50_ms": "<= 30"}
    print(f"| metric | {args.kernel} | {args.reference} (ipykernel) | ratio | target |")
    print("|---|---|---|---|---|")
    for metric in ours:
        print(f"| {metric} | {ours[metric]:.2f} | {ref[metric]:.2f} | {ours[metric] / ref[metric]:.2f}x | {targets.get(metric, '')} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
