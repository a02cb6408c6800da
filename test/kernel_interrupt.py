"""Drives the workbook's kernel through jupyter_client (used by test/kernel.test.ts).

Starts a fit of 5000 epochs, sends Kernel -> Interrupt (SIGINT) once training runs, then
measures: the execute_reply and iopub error of the interrupted cell, whether the epoch
counter and the weights still change afterwards, the kernel's CPU time while idle, and
whether the next cell runs. Then interrupts a long timer and a synchronous loop.
Prints one JSON line.
"""
import json
import os
import sys
import time

from jupyter_client.manager import start_new_kernel

cwd = sys.argv[1]
km, kc = start_new_kernel(kernel_name="tslab", cwd=cwd, startup_timeout=120)
pid = km.provisioner.process.pid if hasattr(km, "provisioner") else km.kernel.pid


def cpu_seconds():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(code):
    texts = []
    reply = kc.execute_interactive(code, timeout=300, output_hook=lambda m: m["msg_type"] == "stream" and texts.append(m["content"]["text"]))
    return {"status": reply["content"]["status"], "text": "".join(texts)}


try:
    setup = run('''import { ready, sumOfThree, buildRecurrentModel, fit, predict } from "rnn-workbook";
await ready();
const data = sumOfThree();
const model = buildRecurrentModel({ cell: "lstm", units: 16, lookBack: 3, numFeatures: 1, seed: 1 });
(globalThis as any).epochNow = 0;
const state = () => JSON.stringify({ epoch: (globalThis as any).epochNow, sum: model.getWeights().map((w) => (w.dataSync() as Float32Array).reduce((a, b) => a + b, 0)) });''')
    assert setup["status"] == "ok", setup
    msg_id = kc.execute('''await fit(model, data.x.map((s) => s.map((v) => [v[0] / 50])), data.y.map((t) => [t[0] / 150]), { epochs: 5000, batchSize: 5, progress: "none",
  onEpochEnd: (epoch) => { (globalThis as any).epochNow = epoch; if (epoch === 3) console.log("training"); } });''')
    # Interrupt once training is under way.
    while True:
        m = kc.get_iopub_msg(timeout=300)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream" and "training" in m["content"]["text"]:
            break
    time.sleep(1)
    interrupted_at = time.time()
    km.interrupt_kernel()
    while True:
        reply = kc.get_shell_msg(timeout=300)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    reply_seconds = time.time() - interrupted_at
    iopub_errors = []
    while True:
        m = kc.get_iopub_msg(timeout=30)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "error":
            iopub_errors.append({"ename": m["content"]["ename"], "evalue": m["content"]["evalue"]})
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    time.sleep(0.5)  # tslab aborts requests that arrive within 200 ms of a failed cell
    at_reply = json.loads(run("console.log(state());")["text"])
    idle_window = 3.0
    before = cpu_seconds()
    time.sleep(idle_window)
    idle_cpu = cpu_seconds() - before
    later = json.loads(run("console.log(state());")["text"])
    nxt = run('console.log("prediction", JSON.stringify([predict(model, [[[0.1], [0.2], [0.3]]]).length, 1]));')
    # Work that does not check for interrupts (a long timer, a synchronous loop) is abandoned
    # at once, with a KeyboardInterrupt that says so.
    others = {}
    for name, code in (("timer", "await new Promise((r) => setTimeout(r, 120000));"), ("busy", "while (true) {}")):
        time.sleep(0.5)
        other_id = kc.execute(code)
        time.sleep(2)
        started = time.time()
        km.interrupt_kernel()
        try:
            while True:
                other = kc.get_shell_msg(timeout=60)
                if other["parent_header"].get("msg_id") == other_id:
                    break
        except Exception:  # no reply within a minute: the kernel did not stop
            others[name] = {"status": "no reply within 60 s", "ename": None, "evalue": None, "seconds": None}
            break
        others[name] = {k: other["content"].get(k) for k in ("status", "ename", "evalue")}
        others[name]["seconds"] = time.time() - started
    time.sleep(0.5)
    after_others = run('console.log("alive");') if len(others) == 2 and others["busy"]["seconds"] is not None else {"status": "not tried"}
    content = reply["content"]
    print(json.dumps({
        "reply": {k: content.get(k) for k in ("status", "ename", "evalue", "traceback")},
        "replySeconds": reply_seconds,
        "iopubErrors": iopub_errors,
        "epochAtReply": at_reply["epoch"],
        "epochLater": later["epoch"],
        "weightsUnchanged": at_reply["sum"] == later["sum"],
        "idleCpuSeconds": idle_cpu,
        "idleWindow": idle_window,
        "next": nxt,
        "others": others,
        "afterOthers": after_others,
    }))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
