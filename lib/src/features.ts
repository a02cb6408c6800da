/**
 * Calendar features: inputs derived from a series' date column ("1960-01",
 * "2016-07-01 00:00:00"), so that a network knows which month (or hour) a row
 * belongs to instead of having to infer the season from the values alone.
 * Introduced in notebook 05 (car sales).
 */
import { assertKnownOptions, assertOneOf, described, fail } from "./validate";

/** How a periodic calendar field becomes input columns. */
export const CALENDAR_ENCODINGS = ["onehot", "cyclic", "none"] as const;
/**
 * One of {@link CALENDAR_ENCODINGS}: `"onehot"` gives one 0/1 column per value
 * (12 for months, 24 for hours); `"cyclic"` gives two columns, sin and cos of the
 * angle 2π·value/period, so that December sits next to January; `"none"` leaves the field out.
 */
export type CalendarEncoding = (typeof CALENDAR_ENCODINGS)[number];

/** Options of {@link calendarFeatures}. */
export interface CalendarFeaturesOptions {
  /** How the month enters. Default: `"onehot"` (columns `month_1` … `month_12`). */
  month?: CalendarEncoding;
  /** How the hour of the day enters (hourly data). Default: `"none"`. */
  hour?: CalendarEncoding;
  /**
   * Rows (of the series' own unit: months for monthly dates, hours for hourly
   * ones) added to each date before encoding, e.g. 1 to describe the month
   * *after* each row, the one being forecast. Default: 0.
   */
  shift?: number;
}

/** The calendar columns of a series: names and one row of values per date. */
export interface CalendarFeatures {
  /** Column names, e.g. `["month_1", …, "month_12"]` or `["month_sin", "month_cos"]`. */
  columns: string[];
  /** Values, `[dates, columns]`. */
  rows: number[][];
}

/** The parts of a date this module reads; `hour` is 0 for a date without a time. */
export interface CalendarDate {
  /** The year, e.g. 1960. */
  year: number;
  /** The month, 1 (January) to 12. */
  month: number;
  /** The day of the month, 1 to 31 (1 when the date has no day). */
  day: number;
  /** The hour, 0 to 23 (0 when the date has no time). */
  hour: number;
  /** Whether the text held a time of day. */
  hasTime: boolean;
}

const DATE_PATTERN = /^(\d{4})-(\d{1,2})(?:-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?)?$/;
const DATE_EXAMPLES = `a date such as "1960-01", "1960-01-31" or "2016-07-01 00:00:00"`;

/**
 * Reads a date in ISO order — "YYYY-MM", "YYYY-MM-DD" or "YYYY-MM-DD HH:MM[:SS]"
 * (a "T" may separate date and time). `name` labels the value in errors.
 * Introduced in notebook 05 (car sales).
 */
export function parseCalendarDate(text: string, name = "date"): CalendarDate {
  const match = typeof text === "string" ? DATE_PATTERN.exec(text.trim()) : null;
  if (!match) fail(name, DATE_EXAMPLES, text, "Dates must be year first, with dashes (convert other formats before calling).");
  const [, year, month, day, hour] = match;
  const parts = { year: Number(year), month: Number(month), day: day === undefined ? 1 : Number(day), hour: hour === undefined ? 0 : Number(hour) };
  if (parts.month < 1 || parts.month > 12) fail(name, `${DATE_EXAMPLES} with a month from 01 to 12`, text);
  if (parts.day < 1 || parts.day > 31) fail(name, `${DATE_EXAMPLES} with a day from 01 to 31`, text);
  if (parts.hour > 23) fail(name, `${DATE_EXAMPLES} with an hour from 00 to 23`, text);
  return { ...parts, hasTime: hour !== undefined };
}

/**
 * Calendar input columns for each date: the month (and optionally the hour)
 * one-hot or as a point on a circle. Pair them with the series' values to give a
 * network the season as an input, e.g.
 * `calendarFeatures(sales.index, { month: "onehot" })` → 12 columns per month.
 * Introduced in notebook 05 (car sales).
 */
export function calendarFeatures(dates: string[], options: CalendarFeaturesOptions = {}): CalendarFeatures {
  assertKnownOptions(options, ["month", "hour", "shift"], '{ month: "onehot" }');
  const month = options.month ?? "onehot";
  assertOneOf("options.month", month, CALENDAR_ENCODINGS);
  const hour = options.hour ?? "none";
  assertOneOf("options.hour", hour, CALENDAR_ENCODINGS);
  const shift = options.shift ?? 0;
  if (typeof shift !== "number" || !Number.isInteger(shift)) fail("options.shift", "an integer (rows to move each date by)", shift);
  if (month === "none" && hour === "none") fail("options", "an object choosing at least one field", described('{ month: "none", hour: "none" }'), 'E.g. { month: "onehot" } or { hour: "cyclic" }.');
  if (!Array.isArray(dates) || dates.length === 0) fail("dates", "a non-empty array of date strings (e.g. a Series' `index`)", dates);

  const parsed = dates.map((d, i) => parseCalendarDate(d, `dates[${i}]`));
  if (hour !== "none") {
    const noTime = parsed.findIndex((p) => !p.hasTime);
    if (noTime >= 0) fail(`dates[${noTime}]`, "a date with a time of day, because options.hour is not \"none\"", dates[noTime], 'Use { hour: "none" } for daily or monthly data.');
  }
  const hourly = hour !== "none";
  const shifted = parsed.map((p) => (hourly ? shiftHours(p, shift) : shiftMonths(p, shift)));

  const columns = [...encodingColumns("month", month, 12, 1), ...encodingColumns("hour", hour, 24, 0)];
  const rows = shifted.map((p) => [...encode(p.month - 1, month, 12), ...encode(p.hour, hour, 24)]); // [dates, columns]
  return { columns, rows };
}

/** Column names of one encoded field. */
function encodingColumns(field: string, encoding: CalendarEncoding, period: number, first: number): string[] {
  if (encoding === "none") return [];
  if (encoding === "cyclic") return [`${field}_sin`, `${field}_cos`];
  return Array.from({ length: period }, (_, k) => `${field}_${k + first}`);
}

/** One field's columns for a value 0 … period − 1. */
function encode(value: number, encoding: CalendarEncoding, period: number): number[] {
  if (encoding === "none") return [];
  if (encoding === "cyclic") {
    const angle = (2 * Math.PI * value) / period;
    return [Math.sin(angle), Math.cos(angle)];
  }
  return Array.from({ length: period }, (_, k) => (k === value ? 1 : 0));
}

/** The date `months` calendar months later (day and hour kept). */
function shiftMonths(date: CalendarDate, months: number): CalendarDate {
  const total = date.year * 12 + (date.month - 1) + months;
  return { ...date, year: Math.floor(total / 12), month: (((total % 12) + 12) % 12) + 1 };
}

/** The date `hours` hours later (through UTC, so there are no daylight-saving gaps). */
function shiftHours(date: CalendarDate, hours: number): CalendarDate {
  const t = new Date(Date.UTC(date.year, date.month - 1, date.day, date.hour + hours));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), hour: t.getUTCHours(), hasTime: date.hasTime };
}
