"""Drives the workbook's kernel through jupyter_client (used by test/kernel.test.ts).

A cell that prints more than 513 lines (zeromq defers every 513th message of a socket, and
tslab sent the next ones into an EBUSY error: lines lost, then the kernel died), yet fewer
than the 1000 a socket queues; then stray asynchronous errors (a throw in a timer, an
unawaited rejection) after the wasm backend is loaded; then one more cell; then a cell that
ends the process (its farewell line goes to stderr, which the caller checks). Prints one JSON line: lines received, each
cell's status, and whether the kernel is still alive.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

cwd = sys.argv[1]
LINES = 700
km, kc = start_new_kernel(kernel_name="tslab", cwd=cwd, startup_timeout=120)
result = {}


def run(code):
    texts = []
    if not km.is_alive():
        return {"status": "kernel dead", "text": ""}
    try:
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: m["msg_type"] == "stream" and texts.append(m["content"]["text"]))
        return {"status": reply["content"]["status"], "text": "".join(texts)}
    except Exception as error:  # a dead kernel answers nothing
        return {"status": f"no reply ({type(error).__name__})", "text": "".join(texts)}


try:
    result["setup"] = run('import { ready } from "rnn-workbook";\nconsole.log((await ready()).name);')["status"]
    printed = run(f'for (let i = 0; i < {LINES}; i++) console.log(`line ${{i}}`);')
    result["printed"] = printed["status"]
    result["lines"] = sum(1 for line in printed["text"].splitlines() if line.startswith("line "))
    result["expectedLines"] = LINES
    seen = {int(line[5:]) for line in printed["text"].splitlines() if line.startswith("line ")}
    result["missing"] = [i for i in range(LINES) if i not in seen][:20]
    result["stray"] = run('setTimeout(() => { throw new Error("thrown in a timer"); }, 10);\nvoid Promise.reject(new Error("rejected, never awaited"));\nawait new Promise((resolve) => setTimeout(resolve, 300));')["status"]
    time.sleep(0.5)
    after = run('console.log("still here");')
    result["after"] = after["status"]
    result["afterText"] = after["text"].strip()
    result["alive"] = km.is_alive()
    # A kernel that dies says so on its stderr (which the main job shows), even while a cell runs.
    kc.execute('setTimeout(() => process.exit(3), 50);\nawait new Promise((resolve) => setTimeout(resolve, 5000));')
    deadline = time.time() + 20
    while km.is_alive() and time.time() < deadline:
        time.sleep(0.2)
    result["exited"] = not km.is_alive()
finally:
    print(json.dumps(result))
    kc.stop_channels()
    km.shutdown_kernel(now=True)
