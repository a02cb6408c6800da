import { test } from "node:test";
import assert from "node:assert/strict";
import { calendarFeatures, parseCalendarDate } from "../lib/src/features";
import { loadSeries } from "../lib/src/data";
import { close, throwsInput } from "./assertions";

test("parseCalendarDate reads monthly, daily and hourly dates", () => {
  assert.deepEqual(parseCalendarDate("1960-01"), { year: 1960, month: 1, day: 1, hour: 0, hasTime: false });
  assert.deepEqual(parseCalendarDate("1968-12-31"), { year: 1968, month: 12, day: 31, hour: 0, hasTime: false });
  assert.deepEqual(parseCalendarDate("2016-07-01 23:00:00"), { year: 2016, month: 7, day: 1, hour: 23, hasTime: true });
  assert.deepEqual(parseCalendarDate("2016-07-01T05:30"), { year: 2016, month: 7, day: 1, hour: 5, hasTime: true });
});

test("months one-hot: one column per month, a single 1 in the right place", () => {
  const f = calendarFeatures(["1960-01", "1960-02", "1960-12"]);
  assert.deepEqual(f.columns, Array.from({ length: 12 }, (_, k) => `month_${k + 1}`));
  assert.deepEqual(f.rows[0], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(f.rows[1], [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(f.rows[2], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
});

test("months cyclic: a point on the unit circle, December next to January", () => {
  const f = calendarFeatures(["1960-01", "1960-04", "1960-07", "1960-12"], { month: "cyclic" });
  assert.deepEqual(f.columns, ["month_sin", "month_cos"]);
  close(f.rows[0], [0, 1], 1e-12);
  close(f.rows[1], [1, 0], 1e-12);
  close(f.rows[2], [0, -1], 1e-12);
  f.rows.forEach((r) => close(r[0] ** 2 + r[1] ** 2, 1, 1e-12));
  const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  close(dist(f.rows[3], f.rows[0]), 2 * Math.sin(Math.PI / 12), 1e-12); // one month apart, like any neighbours
});

test("shift describes the row after each date; across the year end too", () => {
  const f = calendarFeatures(["1960-11", "1960-12"], { month: "onehot", shift: 1 });
  assert.equal(f.rows[0].indexOf(1), 11); // December
  assert.equal(f.rows[1].indexOf(1), 0); // January of the next year
  const back = calendarFeatures(["1960-01"], { shift: -13 });
  assert.equal(back.rows[0].indexOf(1), 11); // December 1958
  const hourly = calendarFeatures(["2016-07-01 23:00:00"], { month: "onehot", hour: "onehot", shift: 1 });
  assert.equal(hourly.columns.length, 36);
  assert.equal(hourly.rows[0].indexOf(1), 6); // still July …
  assert.equal(hourly.rows[0].slice(12).indexOf(1), 0); // … at hour 0 of the next day
  const newYear = calendarFeatures(["2016-12-31 23:00"], { month: "cyclic", hour: "none", shift: 1 });
  close(newYear.rows[0], [0, 1], 1e-12); // hours shift an hourly series into January
});

test("hour only, cyclic", () => {
  const f = calendarFeatures(["2016-07-01 06:00:00", "2016-07-01 18:00:00"], { month: "none", hour: "cyclic" });
  assert.deepEqual(f.columns, ["hour_sin", "hour_cos"]);
  close(f.rows, [[1, 0], [-1, 0]], 1e-12);
});

test("the car sales dates give one row per month, each month once a year", () => {
  const sales = loadSeries("monthly-car-sales", "Sales");
  const f = calendarFeatures(sales.index);
  assert.equal(f.rows.length, 108);
  const perMonth = f.columns.map((_, c) => f.rows.reduce((s, r) => s + r[c], 0));
  assert.deepEqual(perMonth, Array(12).fill(9)); // 1960–1968: nine of each month
});

test("bad input names the argument and says what a date looks like", () => {
  throwsInput(() => calendarFeatures(["1960-01", "1960/02"]), "`dates[1]`", "a date such as", '"1960/02"');
  throwsInput(() => calendarFeatures(["1960-13"]), "`dates[0]`", "month from 01 to 12");
  throwsInput(() => calendarFeatures(["1960-01-32"]), "`dates[0]`", "day from 01 to 31");
  throwsInput(() => calendarFeatures(["2016-07-01 24:00"], { hour: "cyclic" }), "`dates[0]`", "hour from 00 to 23");
  throwsInput(() => calendarFeatures(["Jan 1960"]), "`dates[0]`", "year first");
  throwsInput(() => calendarFeatures([]), "`dates`", "non-empty array");
  throwsInput(() => calendarFeatures("1960-01" as never), "`dates`");
  throwsInput(() => calendarFeatures([1960 as never]), "`dates[0]`");
  throwsInput(() => calendarFeatures(["1960-01"], { month: "sine" as never }), "`options.month`", '"onehot", "cyclic", "none"');
  throwsInput(() => calendarFeatures(["1960-01"], { hour: "cyclic" }), "`dates[0]`", "time of day");
  throwsInput(() => calendarFeatures(["1960-01"], { month: "none" }), "`options`", "at least one field");
  throwsInput(() => calendarFeatures(["1960-01"], { shift: 0.5 }), "`options.shift`", "integer");
  throwsInput(() => calendarFeatures(["1960-01"], { months: "onehot" } as never), "unknown key `months`");
});
