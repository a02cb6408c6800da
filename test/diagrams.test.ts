import { test } from "node:test";
import assert from "node:assert/strict";
import { recurrentShapesSvg, RECURRENT_SHAPES, SHAPE_LAYOUTS, showSvg } from "../lib/src/diagrams";
import { throwsInput } from "./assertions";


/** Checks that every opened tag is closed in order (a small well-formedness test). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `unbalanced </${name}>`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], "unclosed tags");
}

const count = (svg: string, fragment: string) => svg.split(fragment).length - 1;

test("all five shapes: one panel each, one box per input, cell and output", () => {
  const svg = recurrentShapesSvg();
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.endsWith("</svg>"));
  assertBalanced(svg);
  for (const shape of RECURRENT_SHAPES) assert.ok(svg.includes(SHAPE_LAYOUTS[shape].title.replace("–", "–")), shape);
  const boxes = RECURRENT_SHAPES.reduce((sum, s) => sum + SHAPE_LAYOUTS[s].cells + SHAPE_LAYOUTS[s].inputsAt.length + SHAPE_LAYOUTS[s].outputsAt.length, 0);
  assert.equal(boxes, 3 + 9 + 9 + 12 + 12);
  // one background rect per panel plus one rect per box
  assert.equal(count(svg, "<rect"), boxes + RECURRENT_SHAPES.length);
  assert.equal(count(svg, "<g transform"), 5);
  // three panels in the first row, two in the second
  assert.match(svg, /height="516"/);
});

test("a subset, one row, custom caption with escaping", () => {
  const svg = recurrentShapesSvg({ shapes: ["many-to-one"], perRow: 1, captions: { "many-to-one": "x < y & z" } });
  assertBalanced(svg);
  assert.equal(count(svg, "<g transform"), 1);
  assert.ok(svg.includes("x &lt; y &amp; z"));
  assert.ok(svg.includes("x₄"), "the fourth input is labelled x₄");
  assert.ok(svg.includes("y₁") && !svg.includes("y₂"), "many-to-one has one output");
});

test("argument checks", () => {
  throwsInput(() => recurrentShapesSvg({ shapes: [] }), "`options.shapes`", "non-empty");
  throwsInput(() => recurrentShapesSvg({ shapes: ["two-to-one" as never] }), "`options.shapes[0]`", '"one-to-one"');
  throwsInput(() => recurrentShapesSvg({ shapes: ["one-to-one", "one-to-one"] }), "at most once");
  throwsInput(() => recurrentShapesSvg({ perRow: 0 }), "`options.perRow`", "positive integer");
  throwsInput(() => recurrentShapesSvg({ shape: ["one-to-one"] } as never), "unknown key `shape`");
  throwsInput(() => recurrentShapesSvg({ captions: { "one-to-two": "?" } as never }), "`options.captions`");
  throwsInput(() => showSvg("<div></div>", "text"), "`svg`");
  throwsInput(() => showSvg(recurrentShapesSvg(), ""), "`text`");
});
