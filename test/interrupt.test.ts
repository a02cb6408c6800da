// The interrupt mechanism of the lib (lib/src/interrupt.ts) in plain Node; the kernel's
// side (SIGINT through Jupyter) is tested in test/kernel.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { buildRecurrentModel } from "../lib/src/models";
import { fit, predict } from "../lib/src/training";
import { sumOfThree } from "../lib/src/generators";
import { clearInterrupt, interruptible, interruptionPoint, interruptRequested, InterruptedError, interruptState, requestInterrupt, throwIfInterrupted } from "../lib/src/interrupt";

tf.setBackend("cpu");

const data = sumOfThree();
const x = data.x.map((s) => s.map((step) => [step[0] / 50])); // [15, 3, 1]
const y = data.y.map((t) => [t[0] / 150]); // [15, 1]

test("an interrupt during fit stops it with one line saying where; the model keeps its weights and trains on", async () => {
  const model = buildRecurrentModel({ cell: "simpleRNN", units: 8, lookBack: 3, numFeatures: 1, seed: 3 });
  let last = 0;
  let weightsAtStop: number[] = [];
  const training = fit(model, x, y, {
    epochs: 1000,
    batchSize: 4,
    progress: "none",
    onEpochEnd: (epoch) => {
      last = epoch;
      if (epoch === 3) {
        assert.equal(requestInterrupt(), true, "fit is an interruptible loop");
        weightsAtStop = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
      }
    },
  });
  await assert.rejects(training, (error: Error) => {
    assert.ok(error instanceof InterruptedError);
    assert.equal(error.name, "InterruptedError");
    assert.equal(error.message, "Training interrupted at epoch 3 of 1000; the model keeps its weights from that epoch.");
    return true;
  });
  assert.equal(last, 3, "no epoch after the interrupt");
  assert.deepEqual(model.getWeights().flatMap((w) => Array.from(w.dataSync())), weightsAtStop);
  assert.equal(interruptState().active.size, 0, "no loop left registered");
  // Still requested until cleared (outside a kernel); then the model trains on.
  await assert.rejects(fit(model, x, y, { epochs: 2, progress: "none" }), /interrupted before its first epoch of 2; the model's weights are unchanged/);
  clearInterrupt();
  const history = await fit(model, x, y, { epochs: 2, batchSize: 4, progress: "none" });
  assert.equal(history.epochs, 2);
  assert.equal(predict(model, x).length, 15);
});

test("interruptionPoint lets a signal in during a loop whose steps only await promises", async () => {
  clearInterrupt();
  const onSignal = () => void requestInterrupt();
  process.on("SIGUSR2", onSignal);
  try {
    const timer = setTimeout(() => process.kill(process.pid, "SIGUSR2"), 50); // a macrotask, then a signal: what Kernel → Interrupt sends
    const started = Date.now();
    let stopped = false;
    while (Date.now() - started < 3000) {
      await Promise.resolve(); // a step that never yields to the event loop
      if (await interruptionPoint()) {
        stopped = true;
        break;
      }
    }
    clearTimeout(timer);
    assert.ok(stopped, "the interrupt arrived while the loop ran");
    assert.ok(Date.now() - started < 1000, `it arrived within a second (${Date.now() - started} ms)`);
  } finally {
    process.off("SIGUSR2", onSignal);
    clearInterrupt();
  }
});

test("fit with short epochs stops when an interrupt arrives as a macrotask", async () => {
  clearInterrupt();
  const model = buildRecurrentModel({ cell: "simpleRNN", units: 4, lookBack: 3, numFeatures: 1, seed: 3 });
  let epochs = 0;
  const timer = setTimeout(() => requestInterrupt(), 200); // runs only when the event loop gets a turn
  try {
    await assert.rejects(fit(model, x, y, { epochs: 100000, batchSize: 15, progress: "none", onEpochEnd: (e) => void (epochs = e) }), InterruptedError);
    assert.ok(epochs > 0 && epochs < 100000, `stopped after ${epochs} epochs`);
  } finally {
    clearTimeout(timer);
    clearInterrupt();
    model.dispose();
  }
});

test("an interrupt arriving while tfjs trains stops fit after the running batch", async () => {
  const model = buildRecurrentModel({ cell: "lstm", units: 8, lookBack: 3, numFeatures: 1, seed: 3 });
  const many = Array.from({ length: 150 }, () => x).flat(); // 2250 samples: one epoch is far longer than 300 ms
  const manyY = Array.from({ length: 150 }, () => y).flat();
  let epochs = 0;
  const timer = setTimeout(() => requestInterrupt(), 300); // a signal arrives as a macrotask, like SIGINT
  try {
    await assert.rejects(
      fit(model, many, manyY, { epochs: 1000, batchSize: 1, progress: "none", onEpochEnd: (e) => void (epochs = e) }),
      /^InterruptedError: Training interrupted at epoch 1 of 1000; the model keeps its weights from that epoch\.$/,
    );
    assert.equal(epochs, 0, "stopped inside the first epoch, not at its end");
  } finally {
    clearTimeout(timer);
    clearInterrupt();
  }
});

test("throwIfInterrupted and interruptible serve any long loop", async () => {
  clearInterrupt();
  const steps: number[] = [];
  await assert.rejects(
    interruptible(async () => {
      for (let step = 1; step <= 100; step++) {
        throwIfInterrupted(() => `Sampling interrupted at character ${step} of 100.`);
        steps.push(step);
        if (step === 5) requestInterrupt();
        await new Promise((r) => setImmediate(r));
      }
    }),
    /^InterruptedError: Sampling interrupted at character 6 of 100\.$/,
  );
  assert.deepEqual(steps, [1, 2, 3, 4, 5]);
  assert.equal(interruptRequested(), true);
  clearInterrupt();
  assert.equal(interruptRequested(), false);
  assert.doesNotThrow(() => throwIfInterrupted());
  assert.equal(requestInterrupt(), false, "no interruptible loop is running");
  clearInterrupt();
});
