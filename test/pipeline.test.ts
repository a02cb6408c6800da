import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  ScalingPipeline,
  evenlySpaced,
  oneStepSamples,
  shadeXRange,
  splitForValidation,
} from "../lib/src/pipeline";
import { MinMaxScaler, StandardScaler } from "../lib/src/scalers";
import { linearOneToOne, productFeatures } from "../lib/src/generators";
import { buildDenseModel } from "../lib/src/models";
import { fit } from "../lib/src/training";
import { lineChart } from "../lib/src/charts";
import { throwsInput, close } from "./assertions";

tf.setBackend("cpu");



test("default pipeline: min-max to [0, 1] fitted on the given rows, no transform", () => {
  const data = linearOneToOne(); // X = 1..20, Y = 15·X
  const pipeline = new ScalingPipeline().fit(data.x, data.y);
  const x = pipeline.transformInputs(data.x);
  assert.deepEqual([x.length, x[0].length, x[0][0].length], [20, 1, 1]);
  close(x[0][0][0], 0);
  close(x[19][0][0], 1);
  close(pipeline.transformInputs([[[30]]]), [[[29 / 19]]]); // outside the training range: not clipped
  close(pipeline.transformTargets([[15], [300]]), [[0], [1]]);
  close(pipeline.inverseTransformTargets([[0], [0.5], [1]]), [[15], [157.5], [300]]);
  assert.match(pipeline.describe(), /inputs: MinMaxScaler to \[0, 1\]; targets: MinMaxScaler to \[0, 1\]/);
});

test("log pipeline: a product becomes a sum, and predictions come back through exp", () => {
  const data = productFeatures(); // X1 = 2k, X2 = 3k, Y = X1·X2
  const pipeline = new ScalingPipeline({
    inputTransform: "log",
    targetTransform: "log",
    inputScaler: new MinMaxScaler({ featureRange: [-1, 1] }),
    targetScaler: new MinMaxScaler({ featureRange: [-1, 1] }),
  }).fit(data.x, data.y);
  const x = pipeline.transformInputs(data.x);
  close(x[0][0], [-1, -1]);
  close(x[24][0], [1, 1]);
  // log(X1·X2) = log X1 + log X2, so in log units the target is the sum of the inputs.
  const y = pipeline.transformTargets(data.y);
  close(y[0][0], -1);
  close(y[24][0], 1);
  close(pipeline.inverseTransformTargets(y), data.y, 1e-12);
  assert.match(pipeline.describe(), /inputs: log → MinMaxScaler to \[-1, 1\]; targets: log → MinMaxScaler to \[-1, 1\]/);
});

test("predict runs the model on scaled inputs and returns original units", async () => {
  const data = linearOneToOne();
  const pipeline = new ScalingPipeline({ inputScaler: new StandardScaler(), targetScaler: new StandardScaler() }).fit(data.x, data.y);
  // A dense model with linear activation and no hidden nonlinearity can represent the line exactly.
  const model = buildDenseModel({ lookBack: 1, numFeatures: 1, units: [4], activation: "linear", learningRate: 0.05, seed: 3 });
  await fit(model, pipeline.transformInputs(data.x), pipeline.transformTargets(data.y), { epochs: 300, batchSize: 20, progress: "none" });
  const answer = pipeline.predict(model, oneStepSamples([30]));
  assert.equal(answer.length, 1);
  assert.ok(Math.abs(answer[0][0] - 450) < 1, `predicted ${answer[0][0]}`);
  model.dispose();
});

test("the pipeline checks its arguments", () => {
  throwsInput(() => new ScalingPipeline({ inputTransform: "sqrt" as never }), "options.inputTransform", '"none", "log"');
  throwsInput(() => new ScalingPipeline({ inputscaler: new MinMaxScaler() } as never), "unknown key `inputscaler`");
  throwsInput(() => new ScalingPipeline({ targetScaler: {} as never }), "options.targetScaler", "new MinMaxScaler()");
  const shared = new MinMaxScaler();
  throwsInput(() => new ScalingPipeline({ inputScaler: shared, targetScaler: shared }), "options.targetScaler", "create two");
  throwsInput(() => new ScalingPipeline().transformInputs([[[1]]]), "fitted before calling transformInputs", "pipeline.fit");
  throwsInput(() => new ScalingPipeline({ inputTransform: "log" }).fit([[[1]], [[0]]], [[1], [2]]), "x[1][0][0]", "positive", 'inputTransform: "none"');
  throwsInput(() => new ScalingPipeline({ targetTransform: "log" }).fit([[[1]], [[2]]], [[1], [-2]]), "y[1][0]", "positive");
  throwsInput(() => new ScalingPipeline().fit([[[1]], [[2]]], [[1]]), "`y`", "2 items");
  const fitted = new ScalingPipeline().fit([[[1, 2]], [[3, 4]]], [[1], [2]]);
  throwsInput(() => fitted.transformInputs([[[1]]]), "2 feature(s)", "1 feature(s)");
  throwsInput(() => fitted.transformTargets([[1, 2]]), "1 column(s)");
  throwsInput(() => fitted.inverseTransformTargets([[1, 2]]), "`scaled`");
  throwsInput(() => fitted.predict({} as never, [[[1, 2]]]), "`model`");
});

test("oneStepSamples wraps numbers or feature rows as single-step samples", () => {
  assert.deepEqual(oneStepSamples([30, 31]), [[[30]], [[31]]]);
  assert.deepEqual(oneStepSamples([[55, 80]]), [[[55, 80]]]);
  throwsInput(() => oneStepSamples([]), "`rows`");
  throwsInput(() => oneStepSamples([[1, 2], [3]]), "rows[1]");
});

test("evenlySpaced includes both ends", () => {
  assert.deepEqual(evenlySpaced(1, 5, 5), [1, 2, 3, 4, 5]);
  close(evenlySpaced(0, 1, 4), [0, 1 / 3, 2 / 3, 1]);
  assert.deepEqual(evenlySpaced(10, 0, 3), [10, 5, 0]);
  assert.deepEqual(evenlySpaced(2, 2, 1), [2]);
  throwsInput(() => evenlySpaced(0, 1, 1), "`count`", "at least 2");
  throwsInput(() => evenlySpaced(0, 1, 0), "`count`", "positive integer");
  throwsInput(() => evenlySpaced(0, NaN, 3), "`stop`");
});

test("splitForValidation holds out the same rows as fit's validationSplit", async () => {
  const data = linearOneToOne();
  const { train, validation } = splitForValidation(data, 0.2);
  assert.deepEqual(train.xShape, [16, 1, 1]);
  assert.deepEqual(validation.xShape, [4, 1, 1]);
  assert.deepEqual(validation.x.map((s) => s[0][0]), [17, 18, 19, 20]);
  assert.deepEqual(splitForValidation(productFeatures(), 0.2).train.xShape, [20, 1, 2]);
  // fit's validation loss after one epoch equals the loss on exactly these rows.
  const scaled = (rows: number[][][]) => rows.map((s) => s.map((r) => [r[0] / 20]));
  const target = (rows: number[][]) => rows.map((r) => [r[0] / 300]);
  const model = buildDenseModel({ lookBack: 1, numFeatures: 1, units: [3], seed: 5 });
  const history = await fit(model, scaled(data.x), target(data.y), { epochs: 1, batchSize: 20, validationSplit: 0.2, progress: "none" });
  const loss = model.evaluate(tf.tensor3d(scaled(validation.x)), tf.tensor2d(target(validation.y))) as tf.Scalar;
  close(history.valLoss[0], loss.dataSync()[0], 1e-5);
  throwsInput(() => splitForValidation(data, 0.01), "`validationSplit`", "at least one sample");
  throwsInput(() => splitForValidation(data, 1), "`validationSplit`", "strictly between 0 and 1");
  throwsInput(() => splitForValidation({} as never, 0.2), "`data`");
});

test("shadeXRange adds a band (and a label) without dropping existing shapes", () => {
  const figure = lineChart([{ name: "a", y: [1, 2, 3] }]);
  figure.layout.shapes = [{ type: "line" }];
  const same = shadeXRange(figure, 0, 1.5, { label: "training range" });
  assert.equal(same, figure);
  const shapes = figure.layout.shapes as Record<string, unknown>[];
  assert.equal(shapes.length, 2);
  assert.equal(shapes[1].x0, 0);
  assert.equal(shapes[1].x1, 1.5);
  assert.equal((figure.layout.annotations as Record<string, unknown>[])[0].text, "training range");
  throwsInput(() => shadeXRange(figure, 2, 1), "`to`", "greater than from");
  throwsInput(() => shadeXRange({} as never, 0, 1), "`figure`");
  throwsInput(() => shadeXRange(figure, 0, 1, { colour: "red" } as never), "unknown key `colour`");
});
