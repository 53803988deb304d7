"""The kernel driven through Debian's jupyter_client, message by message: interrupts in both modes,
heartbeat and control while a cell spins, output routing by parent, signatures and hostile frames,
stdin, comms, restart and history, redeclaration, imports from the notebook's folder, type errors,
tracebacks, display ids, busy/idle bracketing, stop_on_error, pages and magics.

Run through test.sh (it installs the kernelspecs `tsamp-test` and `tsamp-test-signal` under a
temporary prefix and points JUPYTER_PATH there). Timeouts only keep a broken kernel from hanging the
suite; nothing here asserts on how fast anything is.
"""
import json
import os
import queue
import random
import re
import shutil
import tempfile
import time
import unittest
import uuid
from collections import defaultdict

import zmq
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

KERNEL = os.environ.get("TSAMP_KERNEL_NAME", "tsamp-test")
SIGNAL_KERNEL = os.environ.get("TSAMP_SIGNAL_KERNEL_NAME", "tsamp-test-signal")
TIMEOUT = 60  # seconds; generous, only to avoid hanging (the first cell loads TypeScript and tfjs)
DELIM = b"<IDS|MSG>"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text):
    return ANSI.sub("", text)


def traceback_text(content):
    return strip_ansi("\n".join(content.get("traceback") or []))


def js_string(text):
    """A TypeScript string literal for text (JSON's escaping is valid TypeScript)."""
    return json.dumps(text)


class Kernel:
    """One kernel and its client, with buffers so that messages read while waiting for one request
    are kept for whoever asks about another."""

    def __init__(self, kernel_name=KERNEL, cwd=None, env=None):
        self.km = KernelManager(kernel_name=kernel_name)
        kwargs = {}
        if cwd is not None:
            kwargs["cwd"] = cwd
        if env is not None:
            kwargs["env"] = dict(os.environ, **env)
        self.km.start_kernel(**kwargs)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=TIMEOUT)
        except Exception:
            self.close()
            raise
        self.iopub = defaultdict(list)  # parent msg_id -> messages, in arrival order
        self.idle = set()  # parent msg_ids whose status: idle arrived
        self.replies = {"shell": {}, "control": {}, "stdin": {}}
        self._sockets = []
        self.ctx = zmq.Context.instance()
        # Raw messages get their own session: the client's session is a clone of the manager's, so
        # the two would hand out the same msg_ids.
        self.raw_session = Session(key=self.km.session.key, signature_scheme=self.km.session.signature_scheme, username="raw")

    def close(self):
        for sock in getattr(self, "_sockets", []):
            sock.close(linger=0)
        try:
            self.kc.stop_channels()
        finally:
            try:
                self.km.shutdown_kernel(now=False)
            except Exception:
                self.km.shutdown_kernel(now=True)

    # -- reading -------------------------------------------------------------------------------

    def _store_iopub(self, msg):
        parent = msg["parent_header"].get("msg_id")
        self.iopub[parent].append(msg)
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            self.idle.add(parent)

    def pump_iopub(self, timeout):
        """Reads one iopub message into the buffers; False when none came within timeout."""
        try:
            msg = self.kc.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return False
        self._store_iopub(msg)
        return True

    def iopub_until_idle(self, msg_id, timeout=TIMEOUT):
        """Every iopub message parented to msg_id, up to and including its status: idle."""
        deadline = time.monotonic() + timeout
        while msg_id not in self.idle:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no status: idle for {msg_id} within {timeout} s; got {self.iopub.get(msg_id)}")
            self.pump_iopub(min(left, 1.0))
        return list(self.iopub[msg_id])

    def wait_iopub(self, predicate, timeout=TIMEOUT, what="an iopub message"):
        """The first buffered or arriving iopub message (any parent) for which predicate holds."""
        deadline = time.monotonic() + timeout
        seen = set()
        while True:
            for msgs in list(self.iopub.values()):
                for msg in msgs:
                    if id(msg) not in seen:
                        seen.add(id(msg))
                        if predicate(msg):
                            return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{what} did not arrive within {timeout} s")
            self.pump_iopub(min(left, 1.0))

    def _channel(self, name):
        return {"shell": self.kc.shell_channel, "control": self.kc.control_channel, "stdin": self.kc.stdin_channel}[name]

    def _get(self, channel, timeout):
        """One message from a channel (the blocking client's getters); queue.Empty if none came."""
        getter = {"shell": self.kc.get_shell_msg, "control": self.kc.get_control_msg, "stdin": self.kc.get_stdin_msg}[channel]
        return getter(timeout=timeout)

    def reply(self, msg_id, channel="shell", timeout=TIMEOUT):
        """The reply to msg_id on a channel (other replies read meanwhile are kept)."""
        box = self.replies[channel]
        deadline = time.monotonic() + timeout
        while msg_id not in box:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {channel} reply to {msg_id} within {timeout} s")
            try:
                msg = self._get(channel, min(left, 1.0))
            except queue.Empty:
                continue
            box[msg["parent_header"].get("msg_id")] = msg
        return box.pop(msg_id)

    def poll_reply(self, msg_id, channel="shell", timeout=0.0):
        """The reply to msg_id if it is (or within timeout becomes) available, else None."""
        try:
            return self.reply(msg_id, channel, timeout=timeout) if timeout > 0 else self._poll_now(msg_id, channel)
        except AssertionError:
            return None

    def _poll_now(self, msg_id, channel):
        box = self.replies[channel]
        while True:
            try:
                msg = self._get(channel, 0)
            except queue.Empty:
                break
            box[msg["parent_header"].get("msg_id")] = msg
        return box.pop(msg_id, None)

    # -- requests ------------------------------------------------------------------------------

    def send(self, channel, msg_type, content, metadata=None):
        msg = self.kc.session.msg(msg_type, content)
        if metadata:
            msg["metadata"] = metadata
        self._channel(channel).send(msg)
        return msg["header"]["msg_id"]

    def request(self, channel, msg_type, content, timeout=TIMEOUT):
        """Sends a request and returns (reply, iopub messages up to its idle)."""
        msg_id = self.send(channel, msg_type, content)
        reply = self.reply(msg_id, channel, timeout)
        return reply, self.iopub_until_idle(msg_id, timeout)

    def execute(self, code, timeout=TIMEOUT, **kwargs):
        """Runs a cell; returns (execute_reply, iopub messages up to its idle)."""
        kwargs.setdefault("allow_stdin", False)
        msg_id = self.kc.execute(code, **kwargs)
        reply = self.reply(msg_id, "shell", timeout)
        return reply, self.iopub_until_idle(msg_id, timeout)

    # -- raw sockets ---------------------------------------------------------------------------

    def info(self):
        return self.km.get_connection_info()

    def raw_socket(self, channel, kind=zmq.DEALER):
        info = self.info()
        port = info[{"shell": "shell_port", "control": "control_port", "stdin": "stdin_port", "hb": "hb_port"}[channel]]
        sock = self.ctx.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        if kind == zmq.DEALER:
            sock.setsockopt(zmq.IDENTITY, uuid.uuid4().hex.encode())
        sock.connect(f"{info['transport']}://{info['ip']}:{port}")
        self._sockets.append(sock)
        return sock

    def ping(self, timeout=10):
        """One heartbeat round trip on a fresh REQ socket; True when the kernel echoed the ping."""
        sock = self.raw_socket("hb", zmq.REQ)
        try:
            payload = uuid.uuid4().hex.encode()
            sock.send(payload)
            if not sock.poll(timeout * 1000):
                return False
            return sock.recv() == payload
        finally:
            sock.close(linger=0)
            self._sockets.remove(sock)

    def signed_frames(self, msg_type, content, header=None):
        """[DELIM, signature, header, parent, metadata, content] signed with the connection key."""
        msg = self.raw_session.msg(msg_type, content)
        if header is not None:
            msg["header"] = header
        frames = self.raw_session.serialize(msg)
        return msg["header"].get("msg_id"), frames

    def sign(self, parts):
        return self.raw_session.sign(parts)


def summary(msgs):
    """A short form of iopub messages for failure messages."""
    out = []
    for m in msgs:
        c = m["content"]
        detail = c.get("execution_state") or c.get("text") or (c.get("data") or {}).get("text/plain") or c.get("ename") or ""
        out.append(f"{m['msg_type']}({str(detail)[:80]!r})")
    return ", ".join(out)


def outputs(msgs, msg_type):
    return [m for m in msgs if m["msg_type"] == msg_type]


def stream_text(msgs, name="stdout"):
    return "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def result_text(msgs):
    results = outputs(msgs, "execute_result")
    return results[-1]["content"]["data"].get("text/plain") if results else None


class KernelTestCase(unittest.TestCase):
    """A kernel per test class, shut down in tearDownClass."""

    kernel_name = KERNEL
    kernel_env = None
    kernel_cwd = None

    @classmethod
    def setUpClass(cls):
        cls.kernel = Kernel(cls.kernel_name, cwd=cls.kernel_cwd, env=cls.kernel_env)

    @classmethod
    def tearDownClass(cls):
        cls.kernel.close()

    def run_ok(self, code, **kwargs):
        reply, msgs = self.kernel.execute(code, **kwargs)
        self.assertEqual(reply["content"]["status"], "ok", f"cell {code!r} failed: {reply['content']}\n{traceback_text(reply['content'])}")
        self.assert_parented(reply, msgs)
        return reply, msgs

    def run_error(self, code, **kwargs):
        reply, msgs = self.kernel.execute(code, **kwargs)
        self.assertEqual(reply["content"]["status"], "error", f"cell {code!r} should fail: {reply['content']}")
        self.assert_parented(reply, msgs)
        return reply, msgs

    def assert_result(self, code, expected):
        _, msgs = self.run_ok(code)
        self.assertEqual(result_text(msgs), expected, f"value of {code!r}; iopub: {summary(msgs)}")

    def assert_parented(self, reply, msgs):
        msg_id = reply["parent_header"]["msg_id"]
        for msg in msgs:
            self.assertEqual(msg["parent_header"]["msg_id"], msg_id)
        statuses = [m["content"]["execution_state"] for m in msgs if m["msg_type"] == "status"]
        self.assertEqual(statuses[:1], ["busy"], f"first status of {msg_id}")
        self.assertEqual(statuses[-1:], ["idle"], f"last status of {msg_id}")

    def marker_path(self, name):
        return os.path.join(self.tmp, f"{name}-{uuid.uuid4().hex}")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tsamp-client-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# 1-3. Interrupts


class InterruptHelpers:
    def start_and_wait(self, body):
        """Sends a cell that writes a marker file and then runs body; returns its msg_id once the
        marker exists (the cell is then certainly running)."""
        marker = self.marker_path("started")
        code = f'import {{ writeFileSync }} from "node:fs";\nwriteFileSync({js_string(marker)}, "1");\n{body}'
        msg_id = self.kernel.kc.execute(code, allow_stdin=False)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(marker):
            self.assertIsNone(self.kernel.poll_reply(msg_id), "the cell ended before it was interrupted")
            self.assertLess(time.monotonic(), deadline, "the cell never started")
            time.sleep(0.05)
        time.sleep(0.2)  # let it get into the loop / the await proper
        return msg_id

    def assert_interrupted(self, msg_id):
        reply = self.kernel.reply(msg_id, timeout=TIMEOUT)
        msgs = self.kernel.iopub_until_idle(msg_id)
        self.assertEqual(reply["content"]["status"], "error", reply["content"])
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        errors = outputs(msgs, "error")
        self.assertEqual(len(errors), 1, msgs)
        self.assertEqual(errors[0]["content"]["ename"], "KeyboardInterrupt")
        self.assert_parented(reply, msgs)

    def assert_state_kept(self):
        self.assert_result("kept + 1", "42")
        self.assert_result("1 + 1", "2")


class InterruptMessageModeTest(InterruptHelpers, KernelTestCase):
    kernel_name = KERNEL

    def interrupt(self):
        reply, msgs = self.kernel.request("control", "interrupt_request", {})
        self.assertEqual(reply["msg_type"], "interrupt_reply")
        self.assertEqual(reply["content"]["status"], "ok")
        self.assert_parented(reply, msgs)

    def test_kernelspec_says_message(self):
        self.assertEqual(self.kernel.km.kernel_spec.interrupt_mode, "message")

    def test_interrupt_sync_loop(self):
        self.run_ok("let kept = 41")
        msg_id = self.start_and_wait("while (true) {}")
        self.interrupt()
        self.assert_interrupted(msg_id)
        self.assert_state_kept()
        self.assert_result('"still " + "running"', "'still running'")

    def test_interrupt_pending_await(self):
        self.run_ok("let kept = 41")
        msg_id = self.start_and_wait("await new Promise(() => {});")
        self.interrupt()
        self.assert_interrupted(msg_id)
        self.assert_state_kept()

    def test_interrupt_when_idle_is_harmless(self):
        self.interrupt()
        self.assert_result("2 * 3", "6")


class InterruptSignalModeTest(InterruptHelpers, KernelTestCase):
    kernel_name = SIGNAL_KERNEL

    def test_kernelspec_says_signal(self):
        self.assertEqual(self.kernel.km.kernel_spec.interrupt_mode, "signal")

    def test_sigint_stops_sync_loop(self):
        self.run_ok("let kept = 41")
        msg_id = self.start_and_wait("while (true) {}")
        self.kernel.km.interrupt_kernel()  # SIGINT to the kernel's process group
        self.assert_interrupted(msg_id)
        self.assert_state_kept()
        self.assertTrue(self.kernel.km.is_alive())

    def test_sigint_stops_pending_await(self):
        self.run_ok("let kept = 41")
        msg_id = self.start_and_wait("await new Promise(() => {});")
        self.kernel.km.interrupt_kernel()
        self.assert_interrupted(msg_id)
        self.assert_state_kept()


# ---------------------------------------------------------------------------------------------
# 4. Heartbeat and control while a cell spins


class BusyKernelTest(KernelTestCase):
    def test_heartbeat_and_control_answer_during_busy_cell(self):
        started = self.marker_path("busy-started")
        release = self.marker_path("busy-release")
        # A 3-second synchronous busy-wait that also holds on until the test releases it, so every
        # check below happens while the cell is certainly still on the main thread's stack.
        code = (
            'import { existsSync, writeFileSync } from "node:fs";\n'
            f'writeFileSync({js_string(started)}, "1");\n'
            "const t0 = Date.now(); while (Date.now() - t0 < 3000 || "
            f"(!existsSync({js_string(release)}) && Date.now() - t0 < 120000)) {{}}\n"
            '"done"'
        )
        msg_id = self.kernel.kc.execute(code, allow_stdin=False)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(started):
            self.assertLess(time.monotonic(), deadline, "the busy cell never started")
            time.sleep(0.05)
        try:
            for i in range(5):
                self.assertTrue(self.kernel.ping(timeout=10), f"heartbeat ping {i} unanswered during a busy cell")
            info_id = self.kernel.send("control", "kernel_info_request", {})
            info = self.kernel.reply(info_id, "control", timeout=10)
            self.assertEqual(info["msg_type"], "kernel_info_reply")
            self.assertEqual(info["content"]["implementation"], "tsamp")
            self.assertEqual(info["content"]["language_info"]["name"], "typescript")
            self.assertIsNone(self.kernel.poll_reply(msg_id), "the busy cell ended while it should still spin")
            self.assertTrue(self.kernel.ping(timeout=10), "heartbeat ping after control request")
        finally:
            with open(release, "w") as f:
                f.write("1")
        reply = self.kernel.reply(msg_id)
        msgs = self.kernel.iopub_until_idle(msg_id)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        self.assertEqual(result_text(msgs), "'done'")
        self.assert_parented(reply, msgs)


# ---------------------------------------------------------------------------------------------
# 5. Late output keeps its cell's parent


class LateOutputTest(KernelTestCase):
    def test_timer_output_is_parented_to_its_cell(self):
        first_reply, first_msgs = self.run_ok('setTimeout(() => console.log("late"), 500);\n"scheduled"')
        first_id = first_reply["parent_header"]["msg_id"]
        self.assertNotIn("late", stream_text(first_msgs))
        # The next cell is still running when the timer fires.
        second_reply, second_msgs = self.run_ok("await new Promise((resolve) => setTimeout(resolve, 1500));\n\"second\"")
        self.assertNotIn("late", stream_text(second_msgs), "the late line was attributed to the cell running when it printed")
        late = self.kernel.wait_iopub(
            lambda m: m["msg_type"] == "stream" and "late" in m["content"]["text"], what='the stream "late"'
        )
        self.assertEqual(late["parent_header"]["msg_id"], first_id)
        self.assertEqual(late["content"]["name"], "stdout")
        self.assertNotEqual(second_reply["parent_header"]["msg_id"], first_id)

    def test_promise_output_after_cell_finished(self):
        reply, msgs = self.run_ok('void new Promise((r) => setTimeout(r, 300)).then(() => console.error("afterwards"));')
        cell_id = reply["parent_header"]["msg_id"]
        self.run_ok("1")
        late = self.kernel.wait_iopub(
            lambda m: m["msg_type"] == "stream" and "afterwards" in m["content"]["text"], what='the stream "afterwards"'
        )
        self.assertEqual(late["parent_header"]["msg_id"], cell_id)
        self.assertEqual(late["content"]["name"], "stderr")


# ---------------------------------------------------------------------------------------------
# 6-7. Signatures, hostile frames, oversized messages


class SignatureTest(KernelTestCase):
    def assert_never_executed(self, msg_id, sock, marker):
        # No reply on the raw socket, no iopub traffic parented to it, no side effect.
        self.assertFalse(sock.poll(3000), "the kernel answered a message it should have dropped")
        # A correctly signed request after it is answered, which also flushes iopub past the bad one.
        self.assert_result("40 + 2", "42")
        self.assertNotIn(msg_id, self.kernel.iopub, "iopub messages parented to the dropped message")
        self.assertFalse(os.path.exists(marker), "the cell behind a bad signature ran")

    def bad_execute(self, marker):
        code = f'import {{ writeFileSync }} from "node:fs";\nwriteFileSync({js_string(marker)}, "ran");'
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
        return self.kernel.signed_frames("execute_request", content)

    def test_tampered_signature_is_dropped(self):
        marker = self.marker_path("tampered")
        msg_id, frames = self.bad_execute(marker)
        sig = frames[1]
        self.assertTrue(sig, "the test kernel must have a signing key")
        frames[1] = (b"0" if sig[:1] != b"0" else b"1") + sig[1:]
        sock = self.kernel.raw_socket("shell")
        sock.send_multipart(frames)
        self.assert_never_executed(msg_id, sock, marker)

    def test_signature_of_other_content_is_dropped(self):
        marker = self.marker_path("swapped")
        msg_id, frames = self.bad_execute(marker)
        _, other = self.kernel.signed_frames("execute_request", {"code": "1", "silent": False})
        frames[1] = other[1]  # a valid signature, but of a different message
        sock = self.kernel.raw_socket("shell")
        sock.send_multipart(frames)
        self.assert_never_executed(msg_id, sock, marker)

    def test_missing_signature_is_dropped(self):
        marker = self.marker_path("unsigned")
        msg_id, frames = self.bad_execute(marker)
        frames[1] = b""
        sock = self.kernel.raw_socket("shell")
        sock.send_multipart(frames)
        self.assert_never_executed(msg_id, sock, marker)

    def test_correctly_signed_raw_message_runs(self):
        marker = self.marker_path("signed")
        msg_id, frames = self.bad_execute(marker)
        sock = self.kernel.raw_socket("shell")
        sock.send_multipart(frames)
        self.assertTrue(sock.poll(TIMEOUT * 1000), "no reply to a correctly signed raw execute_request")
        reply_frames = sock.recv_multipart()
        at = reply_frames.index(DELIM)
        self.assertEqual(reply_frames[at + 1], self.kernel.sign(reply_frames[at + 2 : at + 6]), "the kernel's reply is not signed with the key")
        reply = json.loads(reply_frames[at + 5])
        parent = json.loads(reply_frames[at + 3])
        self.assertEqual(parent["msg_id"], msg_id)
        self.assertEqual(reply["status"], "ok", reply)
        self.assertTrue(os.path.exists(marker))

    def test_bad_signature_on_control_is_dropped(self):
        sock = self.kernel.raw_socket("control")
        _, frames = self.kernel.signed_frames("kernel_info_request", {})
        frames[1] = b"f" * len(frames[1])
        sock.send_multipart(frames)
        self.assertFalse(sock.poll(3000), "the kernel answered a control message with a bad signature")
        _, frames = self.kernel.signed_frames("kernel_info_request", {})
        sock.send_multipart(frames)
        self.assertTrue(sock.poll(TIMEOUT * 1000), "no answer to a signed control message")


class FuzzTest(KernelTestCase):
    def fuzz_messages(self, rng):
        """About 100 malformed or hostile multipart messages."""
        k = self.kernel

        def rbytes(lo=0, hi=200):
            return bytes(rng.getrandbits(8) for _ in range(rng.randint(lo, hi)))

        def signed(parts):
            parts = [p if isinstance(p, bytes) else k.raw_session.pack(p) for p in parts]
            return [DELIM, k.sign(parts)] + parts

        def header(msg_type="execute_request", **extra):
            h = k.raw_session.msg_header(msg_type)
            h.update(extra)
            return h

        messages = []
        for _ in range(25):  # random frames
            messages.append([rbytes(0, 300) for _ in range(rng.randint(1, 8))])
        for _ in range(10):  # delimiter buried among random frames
            frames = [rbytes() for _ in range(rng.randint(0, 8))]
            frames.insert(rng.randint(0, len(frames)), DELIM)
            messages.append(frames)
        for _ in range(10):  # a well-formed message without its delimiter
            _, frames = k.signed_frames("execute_request", {"code": "1"})
            messages.append(frames[1:])
        for n in range(0, 5):  # too few frames after the delimiter
            _, frames = k.signed_frames("kernel_info_request", {})
            messages.append(frames[: 1 + n])
        for _ in range(10):  # invalid JSON, valid signature
            messages.append(signed([rbytes(1, 50), b"{}", b"{}", b"{}"]))
            messages.append(signed([k.raw_session.pack(header()), b"{", b"{}", b'{"code": "1"']))
        messages.append(signed([b"\xff\xfe\xfd", b"{}", b"{}", b"{}"]))  # not UTF-8
        # headers without msg_type / msg_id, or not objects
        for bad in (
            {k2: v for k2, v in header().items() if k2 != "msg_type"},
            {k2: v for k2, v in header().items() if k2 != "msg_id"},
            header(msg_type=None),
            header(msg_type=42),
            header(msg_type=["execute_request"]),
            [],
            None,
            "execute_request",
            7,
            {},
        ):
            messages.append(signed([bad, {}, {}, {"code": "1"}]))
        # parent, metadata or content that are not objects
        for pos in (1, 2, 3):
            for bad in (None, [], "x", 3, True):
                parts = [header(), {}, {}, {"code": "1"}]
                parts[pos] = bad
                messages.append(signed(parts))
        # unknown or odd message types, valid signature
        for msg_type in ("no_such_request", "frobnicate", "", "execute_reply", "status", "comm_msg", "input_reply", "__proto__", "constructor", "x" * 300):
            messages.append(signed([header(msg_type=msg_type), {}, {}, {}]))
        # known types with content of the wrong shape, valid signature
        for msg_type, content in (
            ("execute_request", {"code": 5}),
            ("execute_request", {"code": None, "user_expressions": "nope"}),
            ("execute_request", {"code": "", "user_expressions": {"a": 5}}),
            ("complete_request", {"code": 3, "cursor_pos": "x"}),
            ("complete_request", {"code": "Math.", "cursor_pos": 99999}),
            ("inspect_request", {"code": "Math", "cursor_pos": -5, "detail_level": "z"}),
            ("is_complete_request", {"code": ["a"]}),
            ("history_request", {"hist_access_type": "bogus"}),
            ("history_request", {"hist_access_type": "tail", "n": "ten"}),
            ("comm_open", {"comm_id": 1, "target_name": None}),
            ("comm_msg", {"comm_id": "no-such-comm", "data": {"a": 1}}),
            ("comm_close", {}),
            ("comm_info_request", {"target_name": 5}),
            ("kernel_info_request", {"extra": [1, 2, 3]}),
        ):
            messages.append(signed([header(msg_type=msg_type), {}, {}, content]))
        # buffers, huge identity lists
        _, frames = k.signed_frames("kernel_info_request", {})
        messages.append(frames + [rbytes() for _ in range(5)])
        messages.append([rbytes(1, 20) for _ in range(50)] + frames)
        rng.shuffle(messages)
        return messages

    def test_fuzzed_frames_do_not_break_the_kernel(self):
        rng = random.Random(20240601)
        sent = 0
        for channel in ("shell", "control"):
            sock = self.kernel.raw_socket(channel)
            for frames in self.fuzz_messages(rng):
                sock.send_multipart(frames)
                sent += 1
        # stdin takes only input_reply; hostile frames there must not hurt either
        sock = self.kernel.raw_socket("stdin")
        for frames in self.fuzz_messages(rng)[:40]:
            sock.send_multipart(frames)
            sent += 1
        self.assertGreaterEqual(sent, 200)
        self.assert_result("1 + 1", "2")
        self.assertTrue(self.kernel.ping(), "heartbeat after fuzzing")
        self.assertTrue(self.kernel.km.is_alive())
        reply, _ = self.kernel.request("control", "kernel_info_request", {})
        self.assertEqual(reply["content"]["status"], "ok")
        self.assert_result("const afterFuzz = 3; afterFuzz * 2", "6")


class MessageSizeLimitTest(KernelTestCase):
    LIMIT = 65536
    kernel_env = {"TSAMP_MAX_MESSAGE_BYTES": str(LIMIT)}

    def test_oversized_message_is_dropped(self):
        marker = self.marker_path("oversized")
        padding = "x" * (self.LIMIT * 3)
        code = f'import {{ writeFileSync }} from "node:fs";\nconst pad = {js_string(padding)};\nwriteFileSync({js_string(marker)}, String(pad.length));'
        msg_id, frames = self.kernel.signed_frames("execute_request", {"code": code, "silent": False, "allow_stdin": False})
        self.assertGreater(sum(len(f) for f in frames), self.LIMIT)
        sock = self.kernel.raw_socket("shell")
        sock.send_multipart(frames)
        self.assertFalse(sock.poll(3000), "the kernel answered a message over its size limit")
        self.assert_result("1 + 1", "2")
        self.assertNotIn(msg_id, self.kernel.iopub)
        self.assertFalse(os.path.exists(marker), "the oversized cell ran")
        self.assertTrue(self.kernel.ping())

    def test_oversized_message_through_the_client_channel(self):
        padding = "y" * (self.LIMIT * 2)
        msg_id = self.kernel.kc.execute(f"{js_string(padding)}.length", allow_stdin=False)
        self.assertIsNone(self.kernel.poll_reply(msg_id, timeout=3), "the kernel answered a message over its size limit")
        self.assert_result("3 + 4", "7")
        self.assertTrue(self.kernel.ping())

    def test_message_under_the_limit_still_runs(self):
        padding = "z" * (self.LIMIT // 4)
        self.assert_result(f"{js_string(padding)}.length", str(self.LIMIT // 4))


# ---------------------------------------------------------------------------------------------
# 8. stdin


class StdinTest(KernelTestCase):
    def answer_input(self, code, answer, password):
        msg_id = self.kernel.kc.execute(code, allow_stdin=True)
        request = self.kernel.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(request["msg_type"], "input_request")
        self.assertEqual(request["parent_header"]["msg_id"], msg_id)
        self.assertIs(request["content"]["password"], password)
        self.kernel.kc.input(answer)
        reply = self.kernel.reply(msg_id)
        msgs = self.kernel.iopub_until_idle(msg_id)
        self.assertEqual(reply["content"]["status"], "ok", traceback_text(reply["content"]))
        self.assert_parented(reply, msgs)
        return request

    def test_input_request_and_reply(self):
        request = self.answer_input('const who = await input("name? ")', "Ada", False)
        self.assertEqual(request["content"]["prompt"], "name? ")
        self.assert_result("who", "'Ada'")
        self.assert_result("who.length", "3")

    def test_password_input(self):
        request = self.answer_input('const secret = await input("password: ", { password: true })', "hunter2", True)
        self.assertEqual(request["content"]["prompt"], "password: ")
        self.assert_result("secret", "'hunter2'")

    def test_input_without_allow_stdin_errors_clearly(self):
        reply, msgs = self.run_error('const nope = await input("never? ")', allow_stdin=False)
        content = reply["content"]
        text = f"{content['ename']}: {content['evalue']}\n{traceback_text(content)}"
        self.assertRegex(text, re.compile(r"stdin|input", re.I))
        self.assertEqual(len(outputs(msgs, "error")), 1)
        with self.assertRaises(queue.Empty, msg="an input_request was sent although allow_stdin was false"):
            self.kernel.kc.get_stdin_msg(timeout=0.5)
        self.assert_result("1 + 1", "2")


# ---------------------------------------------------------------------------------------------
# 9. Comms


class CommTest(KernelTestCase):
    def test_comm_round_trip(self):
        self.run_ok(
            'comms.registerTarget("echo", (comm, data) => {\n'
            "  comm.onMessage((d) => comm.send({ echo: d }));\n"
            "});"
        )
        comm_id = uuid.uuid4().hex
        # comm_open, comm_msg and comm_close have no reply: each is done at its status: idle
        open_id = self.kernel.send("shell", "comm_open", {"comm_id": comm_id, "target_name": "echo", "data": {"hello": 1}})
        msgs = self.kernel.iopub_until_idle(open_id)
        self.assertEqual(msgs[0]["content"].get("execution_state"), "busy")
        self.assertEqual([m for m in outputs(msgs, "comm_close") if m["content"]["comm_id"] == comm_id], [], "the kernel refused the comm")

        msg_id = self.kernel.send("shell", "comm_msg", {"comm_id": comm_id, "data": {"x": 1, "s": "two"}})
        msgs = self.kernel.iopub_until_idle(msg_id)
        echoes = [m for m in outputs(msgs, "comm_msg") if m["content"]["comm_id"] == comm_id]
        self.assertEqual(len(echoes), 1, msgs)
        self.assertEqual(echoes[0]["content"]["data"], {"echo": {"x": 1, "s": "two"}})
        self.assertEqual(echoes[0]["parent_header"]["msg_id"], msg_id)

        reply, _ = self.kernel.request("shell", "comm_info_request", {"target_name": "echo"})
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(reply["content"]["comms"].get(comm_id), {"target_name": "echo"})
        reply, _ = self.kernel.request("shell", "comm_info_request", {})
        self.assertIn(comm_id, reply["content"]["comms"])
        reply, _ = self.kernel.request("shell", "comm_info_request", {"target_name": "other"})
        self.assertNotIn(comm_id, reply["content"]["comms"])

        self.kernel.iopub_until_idle(self.kernel.send("shell", "comm_close", {"comm_id": comm_id, "data": {}}))
        reply, _ = self.kernel.request("shell", "comm_info_request", {})
        self.assertNotIn(comm_id, reply["content"]["comms"])
        # a message to the closed comm is not echoed
        msg_id = self.kernel.send("shell", "comm_msg", {"comm_id": comm_id, "data": {"x": 2}})
        msgs = self.kernel.iopub_until_idle(msg_id)
        self.assertEqual(outputs(msgs, "comm_msg"), [])
        self.assert_result("1 + 1", "2")

    def test_kernel_opened_comm(self):
        reply, msgs = self.run_ok('const opened = comms.open("client-target", { a: 1 });\nopened.id')
        opens = outputs(msgs, "comm_open")
        self.assertEqual(len(opens), 1, msgs)
        content = opens[0]["content"]
        self.assertEqual(content["target_name"], "client-target")
        self.assertEqual(content["data"], {"a": 1})
        self.assertEqual(result_text(msgs), repr(content["comm_id"]))
        reply, _ = self.kernel.request("shell", "comm_info_request", {"target_name": "client-target"})
        self.assertIn(content["comm_id"], reply["content"]["comms"])
        # the kernel side can send on it and close it
        _, msgs = self.run_ok('opened.send({ b: 2 });\nopened.close();')
        sent = outputs(msgs, "comm_msg")
        self.assertEqual([m["content"] for m in sent], [{"comm_id": content["comm_id"], "data": {"b": 2}}])
        self.assertEqual([m["content"]["comm_id"] for m in outputs(msgs, "comm_close")], [content["comm_id"]])


# ---------------------------------------------------------------------------------------------
# 10. Restart and history


class RestartTest(KernelTestCase):
    def history_tail(self, n=200):
        reply, _ = self.kernel.request("shell", "history_request", {"hist_access_type": "tail", "n": n, "output": False, "raw": True})
        self.assertEqual(reply["content"]["status"], "ok")
        return reply["content"]["history"]

    def test_restart_forgets_state_keeps_history(self):
        tag = uuid.uuid4().hex[:8]
        before = f"const beforeRestart_{tag} = 1;\nbeforeRestart_{tag}"
        self.assert_result(before, "1")
        self.assert_result(f"beforeRestart_{tag} + 1", "2")

        self.kernel.km.restart_kernel(now=False)
        self.kernel.kc.wait_for_ready(timeout=TIMEOUT)

        reply, msgs = self.run_error(f"beforeRestart_{tag}")
        content = reply["content"]
        self.assertIn(content["ename"], ("ReferenceError", "TSError"))
        if content["ename"] == "TSError":
            self.assertIn("Cannot find name", f"{content['evalue']}\n{traceback_text(content)}")
        self.assert_result(f"const afterRestart_{tag} = 2; afterRestart_{tag}", "2")

        history = self.history_tail()
        sessions = {}
        for session, line, source in history:
            sessions[source] = session
        self.assertIn(before, sessions, "a cell run before the restart is missing from history")
        self.assertIn(f"beforeRestart_{tag} + 1", sessions)
        after_source = f"const afterRestart_{tag} = 2; afterRestart_{tag}"
        self.assertIn(after_source, sessions)
        self.assertEqual(sessions[before], sessions[f"beforeRestart_{tag} + 1"])
        self.assertNotEqual(sessions[before], sessions[after_source], "the restarted kernel writes to the same history session")
        self.assertGreater(sessions[after_source], sessions[before])

    def test_history_range_and_search(self):
        tag = uuid.uuid4().hex[:8]
        source = f"const searchMe_{tag} = 5"
        self.run_ok(source)
        reply, _ = self.kernel.request("shell", "history_request", {"hist_access_type": "search", "pattern": f"*searchMe_{tag}*", "n": 10, "output": False, "raw": True})
        self.assertEqual([entry[2] for entry in reply["content"]["history"]], [source])
        reply, _ = self.kernel.request("shell", "history_request", {"hist_access_type": "range", "session": 0, "start": 1, "stop": 100000, "output": False, "raw": True})
        self.assertIn(source, [entry[2] for entry in reply["content"]["history"]])


# ---------------------------------------------------------------------------------------------
# 11. Redeclaring const


class RedeclareTest(KernelTestCase):
    def test_rerun_const_cell(self):
        self.run_ok("const answer = 42")
        self.run_ok("const answer = 42")
        self.assert_result("answer", "42")
        self.run_ok('const answer = "x"')
        self.assert_result("answer.length", "1")

    def test_redeclare_function_class_and_let(self):
        self.run_ok("function twice(n: number) { return 2 * n }\nclass Box { constructor(public v: number) {} }\nlet counter = 1")
        self.run_ok("function twice(n: number) { return 3 * n }\nclass Box { constructor(public v: string) {} }\nlet counter = 5")
        self.assert_result("twice(2)", "6")
        self.assert_result('new Box("s").v', "'s'")
        self.assert_result("counter", "5")


# ---------------------------------------------------------------------------------------------
# 12. Imports from the notebook's folder


def write_files(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


class ImportTest(KernelTestCase):
    @classmethod
    def setUpClass(cls):
        cls.notebook_dir = tempfile.mkdtemp(prefix="tsamp-notebook-")
        write_files(
            cls.notebook_dir,
            {
                "node_modules/esm-only-pkg/package.json": json.dumps(
                    {"name": "esm-only-pkg", "version": "1.0.0", "type": "module", "exports": {".": {"types": "./index.d.ts", "import": "./index.js"}}}
                ),
                "node_modules/esm-only-pkg/index.js": "export const value = 42;\n",
                "node_modules/esm-only-pkg/index.d.ts": "export declare const value: number;\n",
                "node_modules/cjs-pkg/package.json": json.dumps({"name": "cjs-pkg", "version": "1.0.0", "main": "index.js", "types": "index.d.ts"}),
                "node_modules/cjs-pkg/index.js": "module.exports = { answer: 7 };\n",
                "node_modules/cjs-pkg/index.d.ts": "export declare const answer: number;\n",
            },
        )
        cls.kernel_cwd = cls.notebook_dir
        try:
            super().setUpClass()
        except Exception:
            shutil.rmtree(cls.notebook_dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.notebook_dir, ignore_errors=True)

    def test_esm_only_package(self):
        self.assert_result('import { value } from "esm-only-pkg";\nvalue', "42")
        self.assert_result("value + 1", "43")

    def test_commonjs_package(self):
        self.assert_result('import { answer } from "cjs-pkg";\nanswer', "7")
        self.assert_result("answer * 6", "42")

    def test_node_builtin(self):
        self.assert_result('import * as path from "node:path";\npath.basename("/a/b.txt")', "'b.txt'")
        self.assert_result('path.extname("c.ts")', "'.ts'")

    def test_imported_names_are_typed(self):
        # the type checker sees the package's declarations: a misuse is a type error
        reply, _ = self.run_error('import { value as v2 } from "esm-only-pkg";\nconst s: string = v2;')
        self.assertEqual(reply["content"]["ename"], "TSError")

    def test_tf_is_a_namespace_for_types_too(self):
        # as with `import * as tf`: tf.Tensor and tf.Sequential name types in annotations
        self.assert_result("const t1: tf.Tensor = tf.ones([2]);\nconst m1: tf.Sequential = tf.sequential();\nt1.size", "2")
        reply, _ = self.run_error('const t2: tf.Tensor = "not a tensor";')
        self.assertEqual(reply["content"]["ename"], "TSError")

    def test_missing_package_errors(self):
        reply, _ = self.run_error('import { nothing } from "no-such-package-xyz";\nnothing')
        self.assertIn("no-such-package-xyz", f"{reply['content']['evalue']}\n{traceback_text(reply['content'])}")


# ---------------------------------------------------------------------------------------------
# 13. Type errors and %types


class TypesTest(KernelTestCase):
    def tearDown(self):
        self.kernel.execute("%types strict")
        super().tearDown()

    def test_type_error_blocks_the_cell(self):
        reply, msgs = self.run_error('let n: number = "s";\nconsole.log("ran")')
        content = reply["content"]
        self.assertEqual(content["ename"], "TSError")
        text = f"{content['evalue']}\n{traceback_text(content)}"
        self.assertIn("TS2322", text)
        self.assertRegex(text, r"line 1\b")
        self.assertNotIn("ran", stream_text(msgs, "stdout"))
        errors = outputs(msgs, "error")
        self.assertEqual([e["content"]["ename"] for e in errors], ["TSError"])

    def test_warn_and_off_and_strict(self):
        self.run_ok("%types warn")
        reply, msgs = self.run_ok('let n2: number = "s";\nconsole.log("ran")')
        self.assertIn("ran", stream_text(msgs, "stdout"))
        self.assertIn("TS2322", strip_ansi(stream_text(msgs, "stderr")))
        self.assertEqual(outputs(msgs, "error"), [])

        self.run_ok("%types off")
        _, msgs = self.run_ok('let n3: number = "s";\nconsole.log("ran off")')
        self.assertIn("ran off", stream_text(msgs, "stdout"))
        self.assertNotIn("TS2322", strip_ansi(stream_text(msgs, "stderr")))

        self.run_ok("%types strict")
        reply, msgs = self.run_error('let n4: number = "s";\nconsole.log("ran strict")')
        self.assertEqual(reply["content"]["ename"], "TSError")
        self.assertNotIn("ran strict", stream_text(msgs, "stdout"))

    def test_type_error_position_on_later_line(self):
        reply, _ = self.run_error('const ok = 1;\n\nconst bad: string = ok;')
        text = f"{reply['content']['evalue']}\n{traceback_text(reply['content'])}"
        self.assertRegex(text, r"line 3\b")
        self.assertIn("TS2322", text)


# ---------------------------------------------------------------------------------------------
# 14. Tracebacks across cells


class TracebackTest(KernelTestCase):
    def test_traceback_points_at_both_cells(self):
        first, _ = self.run_ok('function boom() {\n  throw new Error("x")\n}')
        n_first = first["content"]["execution_count"]
        reply, msgs = self.run_error("// call it\nconst before = 1;\nboom()")
        n_second = reply["content"]["execution_count"]
        content = reply["content"]
        self.assertEqual(content["ename"], "Error")
        self.assertEqual(content["evalue"], "x")
        text = traceback_text(content)
        self.assertRegex(text, rf"Cell\s*\[{n_first}\]\W*line\s*2\b", text)
        self.assertRegex(text, rf"Cell\s*\[{n_second}\]\W*line\s*3\b", text)
        errors = outputs(msgs, "error")
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["content"]["ename"], "Error")
        self.assertEqual(errors[0]["content"]["traceback"], content["traceback"])

    def test_runtime_error_in_same_cell(self):
        reply, _ = self.run_error('const a1 = 1;\nconst o: any = null;\no.field')
        self.assertEqual(reply["content"]["ename"], "TypeError")
        n = reply["content"]["execution_count"]
        self.assertRegex(traceback_text(reply["content"]), rf"Cell\s*\[{n}\]\W*line\s*3\b")


# ---------------------------------------------------------------------------------------------
# 15. Display ids


class DisplayTest(KernelTestCase):
    def test_display_and_update(self):
        reply, msgs = self.run_ok('const h = display("one", { id: "d1" });')
        shown = outputs(msgs, "display_data")
        self.assertEqual(len(shown), 1, msgs)
        self.assertEqual(shown[0]["content"]["transient"]["display_id"], "d1")
        self.assertIn("one", shown[0]["content"]["data"]["text/plain"])

        _, msgs = self.run_ok('h.update("two");')
        updates = outputs(msgs, "update_display_data")
        self.assertEqual(len(updates), 1, msgs)
        self.assertEqual(updates[0]["content"]["transient"]["display_id"], "d1")
        self.assertIn("two", updates[0]["content"]["data"]["text/plain"])
        self.assertEqual(outputs(msgs, "display_data"), [])

    def test_plotly_js_comes_again_when_its_cell_runs_again(self):
        # The first figure carries plotly.js; re-running that cell replaces its output, so the new
        # output must carry it again or a saved notebook cannot draw its figures.
        def copies(code, cell_id=None):
            content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
            msg_id = self.kernel.send("shell", "execute_request", content, metadata={"cellId": cell_id} if cell_id else None)
            reply = self.kernel.reply(msg_id, "shell", TIMEOUT)
            self.assertEqual(reply["content"]["status"], "ok", traceback_text(reply["content"]))
            msgs = self.kernel.iopub_until_idle(msg_id, TIMEOUT)
            html = "".join(m["content"]["data"].get("text/html", "") for m in msgs if m["msg_type"] in ("display_data", "execute_result"))
            return html.count("sent once per notebook by tsamp")

        self.run_ok("viz.resetPlotlyInclusion();")
        fig = 'viz.figure({ data: [{ y: [1, 2] }] })'
        self.assertEqual(copies(fig + " // a"), 1)
        self.assertEqual(copies(fig + " // b"), 0)
        self.assertEqual(copies(fig + " // a"), 1)  # the same code again: the same cell, re-run
        self.run_ok("viz.resetPlotlyInclusion();")
        self.assertEqual(copies(fig, cell_id="c1"), 1)
        self.assertEqual(copies(fig, cell_id="c2"), 0)  # same code, another cell
        self.assertEqual(copies(fig + " // edited", cell_id="c1"), 1)

    def test_no_tensor_leak_across_cells(self):
        # DESIGN.md section 8: tf.memory().numTensors stays constant across training steps and cells,
        # figures and displays included.
        self.run_ok(
            "const lm = models.mlp({ inputSize: 4, hidden: [8], classes: 2, seed: 1 });\n"
            'const lt = amp.trainer({ model: lm, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.1, momentum: 0.9 }), policy: "mixed_float16", lossScale: amp.lossScale.dynamic() });\n'
            'const lx = tf.randomNormal([16, 4], 0, 1, "float32", 1);\n'
            'const ly = tf.randomUniform([16], 0, 2, "int32", 2);'
        )
        step = (
            "await lt.step(lx, ly);\n"
            'display(viz.breakdown(lx, { formats: ["float16"] }));\n'
            'display(formats.inspect(0.1, "e4m3"));\n'
            "tf.memory().numTensors"
        )
        counts = []
        for _ in range(4):
            _, msgs = self.run_ok(step)
            counts.append(int(result_text(msgs)))
        self.assertEqual(len(set(counts[1:])), 1, f"tensors after each cell: {counts}")

    def test_html_and_clear(self):
        _, msgs = self.run_ok('display.html("<i>it</i>")')
        self.assertEqual([m["content"]["data"].get("text/html") for m in outputs(msgs, "display_data")], ["<i>it</i>"])
        _, msgs = self.run_ok("display.clear()")
        self.assertEqual(len(outputs(msgs, "clear_output")), 1)


# ---------------------------------------------------------------------------------------------
# 16. busy/idle around every request


class StatusTest(KernelTestCase):
    def assert_bracketed(self, channel, msg_type, content):
        reply, msgs = self.kernel.request(channel, msg_type, content)
        self.assertEqual(reply["msg_type"], msg_type.replace("_request", "_reply"))
        msg_id = reply["parent_header"]["msg_id"]
        statuses = [m for m in msgs if m["msg_type"] == "status"]
        self.assertGreaterEqual(len(statuses), 2, msgs)
        self.assertIs(msgs[0], statuses[0], f"{msg_type}: status busy is not the first iopub message")
        self.assertEqual(statuses[0]["content"]["execution_state"], "busy")
        self.assertIs(msgs[-1], statuses[-1])
        self.assertEqual(statuses[-1]["content"]["execution_state"], "idle")
        for msg in msgs:
            self.assertEqual(msg["parent_header"]["msg_id"], msg_id)
            self.assertEqual(msg["parent_header"]["msg_type"], msg_type)
        return reply, msgs

    def test_execute(self):
        _, msgs = self.assert_bracketed("shell", "execute_request", {"code": "6 * 7", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        self.assertEqual(result_text(msgs), "42")
        self.assertEqual(len(outputs(msgs, "execute_input")), 1)

    def test_complete(self):
        reply, _ = self.assert_bracketed("shell", "complete_request", {"code": "Math.flo", "cursor_pos": 8})
        self.assertIn("floor", reply["content"]["matches"])

    def test_inspect(self):
        reply, _ = self.assert_bracketed("shell", "inspect_request", {"code": "Math.floor", "cursor_pos": 10, "detail_level": 0})
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertTrue(reply["content"]["found"])

    def test_is_complete(self):
        reply, _ = self.assert_bracketed("shell", "is_complete_request", {"code": "function f() {"})
        self.assertEqual(reply["content"]["status"], "incomplete")

    def test_kernel_info(self):
        reply, _ = self.assert_bracketed("shell", "kernel_info_request", {})
        self.assertEqual(reply["content"]["protocol_version"], "5.3")
        self.assert_bracketed("control", "kernel_info_request", {})

    def test_history(self):
        reply, _ = self.assert_bracketed("shell", "history_request", {"hist_access_type": "tail", "n": 5, "output": False, "raw": True})
        self.assertEqual(reply["content"]["status"], "ok")

    def test_comm_info(self):
        self.assert_bracketed("shell", "comm_info_request", {})

    def test_silent_execute(self):
        reply, msgs = self.kernel.execute("const silentValue = 5; silentValue", silent=True)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(outputs(msgs, "execute_input"), [])
        self.assertEqual(outputs(msgs, "execute_result"), [])
        self.assertEqual([m["content"]["execution_state"] for m in outputs(msgs, "status")], ["busy", "idle"])


# ---------------------------------------------------------------------------------------------
# 17. stop_on_error


class StopOnErrorTest(KernelTestCase):
    def test_queued_cells_are_aborted(self):
        kc = self.kernel.kc
        first = kc.execute('throw new Error("first fails")', allow_stdin=False)
        second = kc.execute("(globalThis as any).secondRan = true; 2", allow_stdin=False)
        third = kc.execute("(globalThis as any).thirdRan = true; 3", allow_stdin=False)
        replies = [self.kernel.reply(msg_id) for msg_id in (first, second, third)]
        self.assertEqual(replies[0]["content"]["status"], "error")
        self.assertEqual(replies[0]["content"]["ename"], "Error")
        self.assertEqual(replies[1]["content"]["status"], "aborted")
        self.assertEqual(replies[2]["content"]["status"], "aborted")
        for msg_id in (first, second, third):
            self.kernel.iopub_until_idle(msg_id)
        self.assertEqual(outputs(self.kernel.iopub[second], "execute_result"), [])
        self.assert_result("typeof (globalThis as any).secondRan", "'undefined'")
        self.assert_result("typeof (globalThis as any).thirdRan", "'undefined'")

    def test_without_stop_on_error_the_queue_runs(self):
        kc = self.kernel.kc
        first = kc.execute('throw new Error("fails alone")', allow_stdin=False, stop_on_error=False)
        second = kc.execute("20 + 1", allow_stdin=False)
        self.assertEqual(self.kernel.reply(first)["content"]["status"], "error")
        self.assertEqual(self.kernel.reply(second)["content"]["status"], "ok")
        self.assertEqual(result_text(self.kernel.iopub_until_idle(second)), "21")


# ---------------------------------------------------------------------------------------------
# 18. Pages and magics


class PageAndMagicTest(KernelTestCase):
    def test_question_mark_gives_page(self):
        reply, msgs = self.run_ok("?Math.floor")
        pages = [p for p in reply["content"].get("payload", []) if p.get("source") == "page"]
        self.assertEqual(len(pages), 1, reply["content"])
        self.assertIn("floor", pages[0]["data"]["text/plain"])
        self.assertEqual(outputs(msgs, "error"), [])

    def test_unknown_magic_is_usage_error(self):
        reply, msgs = self.run_error("%nosuchmagic")
        content = reply["content"]
        self.assertEqual(content["ename"], "UsageError")
        text = f"{content['evalue']}\n{traceback_text(content)}"
        for known in ("%time", "%who", "%types"):
            self.assertIn(known, text)
        self.assertEqual([e["content"]["ename"] for e in outputs(msgs, "error")], ["UsageError"])

    def test_who_lists_declared_names(self):
        self.run_ok("const whoAlpha = 1;\nlet whoBeta = 'b';")
        _, msgs = self.run_ok("%who")
        text = stream_text(msgs) + (result_text(msgs) or "") + "".join(
            m["content"]["data"].get("text/plain", "") for m in outputs(msgs, "display_data")
        )
        self.assertIn("whoAlpha", text)
        self.assertIn("whoBeta", text)

    def test_time_magic_runs_the_cell(self):
        _, msgs = self.run_ok("%time\nconst timed = 6 * 7;\ntimed")
        self.assertEqual(result_text(msgs), "42")
        self.assertTrue(stream_text(msgs) + stream_text(msgs, "stderr"), "%time printed nothing")


if __name__ == "__main__":
    unittest.main()
