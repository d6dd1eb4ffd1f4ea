import { z } from "zod";
import {
  monthlyDayProblem,
  SCHEDULE_TIME_FORMAT_MESSAGE,
  SCHEDULE_TIME_PATTERN,
  scheduleTimeProblems,
  WEEKDAY_MESSAGE,
  WEEKDAYS,
} from "./schedule-time.js";

/**
 * The stage settings that say when the report runs: `scheduleTime` (daily), and the optional `weekly` and
 * `monthly` runs. Their shapes are checked here; the time rules that need the stage's timezone (the settling
 * margin, DST gaps) by `scheduleProblems`, from the stage schema's refinement.
 */

/** A local run time, "HH:MM". */
export const scheduleTimeSchema = z.string().regex(SCHEDULE_TIME_PATTERN, { message: SCHEDULE_TIME_FORMAT_MESSAGE });

// A period run's time has no default: at the daily run's time both would build the period's last day at once.
const periodTimeSchema = z
  .string({
    message:
      'is missing — add "time": "HH:MM", e.g. "07:00": after the daily scheduleTime, so the period\'s last day is stored by then',
  })
  .pipe(scheduleTimeSchema);

/** `weekly`: the previous ISO week's report, every `weekday` at `time`. */
export const weeklyScheduleSchema = z.strictObject(
  { weekday: z.enum(WEEKDAYS, { message: WEEKDAY_MESSAGE }), time: periodTimeSchema },
  { message: 'needs { "weekday": "monday", "time": "07:00" }' },
);

/** `monthly`: the previous calendar month's report, on `day` (1–28) of each month at `time`. */
export const monthlyScheduleSchema = z.strictObject(
  {
    day: z.number({ message: "needs a whole number from 1 to 28" }).superRefine((day, ctx) => {
      const problem = monthlyDayProblem(day);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    }),
    time: periodTimeSchema,
  },
  { message: 'needs { "day": 1, "time": "07:00" }' },
);

/** The settling margin and DST gaps, for every run time of the stage (a malformed one has its own issue). */
export function scheduleProblems(
  settings: { timezone: string; scheduleTime: string; weekly?: { time: string }; monthly?: { time: string } },
  ctx: z.RefinementCtx,
): void {
  const times: Array<[PropertyKey[], string | undefined]> = [
    [["scheduleTime"], settings.scheduleTime],
    [["weekly", "time"], settings.weekly?.time],
    [["monthly", "time"], settings.monthly?.time],
  ];
  const now = new Date();
  for (const [path, time] of times) {
    if (time === undefined || !SCHEDULE_TIME_PATTERN.test(time)) continue;
    for (const message of scheduleTimeProblems(time, settings.timezone, now)) {
      ctx.addIssue({ code: "custom", path, message });
    }
  }
}
