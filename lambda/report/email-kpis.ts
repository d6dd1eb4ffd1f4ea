/** The email's headline KPIs and how each one moved against the comparison days. */
import { delta } from "./compare.js";
import { formatClock, formatCount, formatPercent, formatScore, formatTalkTime, formatUsd } from "./email-format.js";
import { formatDay, share } from "./format.js";
import type { Delta, HeadlineKpi, Summary } from "./summary.js";

type KpiKey = HeadlineKpi | "costPerCall";

export interface Kpi {
  key: KpiKey;
  label: string;
  value: string;
  detail: string | null;
  /** Whether a rise is good news: cost going up is not green. */
  upIsGood: boolean;
  formatChange: (delta: Delta) => string | null;
}

const percentChange = (delta: Delta): string | null =>
  delta.changeRatio === null ? null : `${(Math.abs(delta.changeRatio) * 100).toFixed(1)}%`;
const pointsChange = (delta: Delta): string | null =>
  delta.change === null ? null : `${(Math.abs(delta.change) * 100).toFixed(1)} pp`;
const scoreChange = (delta: Delta): string | null => (delta.change === null ? null : Math.abs(delta.change).toFixed(1));

export interface DeltaView {
  arrow: "▲" | "▼" | "=";
  text: string;
  tone: "good" | "bad" | "neutral";
  against: string;
}

/** An earlier day or period the KPIs are set against, named as the email names it: `vs Sun 3 Aug`, `vs week 31`. */
export interface KpiBaseline {
  against: string;
  deltas: Record<HeadlineKpi, Delta>;
}

/** The day's baselines: the day before and the same weekday last week, when the summary compares against them. */
export function dayBaselines(summary: Summary): KpiBaseline[] {
  return [summary.comparison.previousDay, summary.comparison.sameWeekdayLastWeek].flatMap((comparison) =>
    comparison ? [{ against: `vs ${formatDay(comparison.date, "EEE d MMM")}`, deltas: comparison.deltas }] : [],
  );
}

function describeDelta(kpi: Kpi, delta: Delta | undefined, against: string): DeltaView | null {
  if (!delta || delta.change === null || delta.current === null || delta.previous === null) return null;
  if (delta.change === 0) return { arrow: "=", text: "no change", tone: "neutral", against };
  const up = delta.change > 0;
  const text = kpi.formatChange(delta) ?? `from ${formatCount(delta.previous)}`;
  return { arrow: up ? "▲" : "▼", text, tone: up === kpi.upIsGood ? "good" : "bad", against };
}

/** Cost per call is not a headline delta in the summary; it follows from the calls and cost deltas. */
function costPerCallDelta(deltas: Record<HeadlineKpi, Delta>): Delta {
  const calls = deltas.calls;
  const cost = deltas.totalCost;
  const perCall = (c: number | null, n: number | null) => (c === null || n === null ? null : share(c, n));
  return delta(perCall(cost.current, calls.current), perCall(cost.previous, calls.previous));
}

export function headlineKpis(summary: Summary): Kpi[] {
  const t = summary.totals;
  return [
    {
      key: "calls",
      label: "Calls",
      value: formatCount(t.calls),
      detail: `${formatCount(t.humanAnswered)} answered by a person`,
      upIsGood: true,
      formatChange: percentChange,
    },
    {
      key: "connectRate",
      label: "Connect rate",
      value: t.connectRate === null ? "—" : formatPercent(t.connectRate),
      detail: `${formatCount(t.connectedCalls)} connected`,
      upIsGood: true,
      formatChange: pointsChange,
    },
    {
      key: "durationSeconds",
      label: "Talk time",
      value: formatTalkTime(t.durationSeconds),
      detail:
        t.averageDurationSeconds === null ? null : `avg ${formatClock(t.averageDurationSeconds)} per connected call`,
      upIsGood: true,
      formatChange: percentChange,
    },
    {
      key: "totalCost",
      label: "Total cost",
      value: formatUsd(t.totalCost),
      detail: `${formatUsd(t.carrierCost)} carrier · ${formatUsd(t.platformCost)} platform`,
      upIsGood: false,
      formatChange: percentChange,
    },
    {
      key: "averageScore",
      label: "Avg score",
      value: summary.averageScore === null ? "—" : `${formatScore(summary.averageScore)} / 10`,
      detail: `${formatCount(summary.scoredCalls)} scored calls`,
      upIsGood: true,
      formatChange: scoreChange,
    },
    {
      key: "costPerCall",
      label: "Cost per call",
      value: t.costPerCall === null ? "—" : formatUsd(t.costPerCall),
      detail: t.costPerConnectedMinute === null ? null : `${formatUsd(t.costPerConnectedMinute)} per connected min`,
      upIsGood: false,
      formatChange: percentChange,
    },
  ];
}

export function kpiDeltas(baselines: KpiBaseline[], kpi: Kpi): DeltaView[] {
  const views: DeltaView[] = [];
  for (const baseline of baselines) {
    const delta = kpi.key === "costPerCall" ? costPerCallDelta(baseline.deltas) : baseline.deltas[kpi.key];
    const view = describeDelta(kpi, delta, baseline.against);
    if (view) views.push(view);
  }
  return views;
}
