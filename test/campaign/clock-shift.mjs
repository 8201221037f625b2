// Preloaded into the agent child (`node --import <this file> dist/agent/cli.js ...`) by the
// campaign: shifts the wall clock (Date.now, new Date()) by the number of milliseconds written in
// the file named by EV_EDGE_CAMPAIGN_CLOCK_FILE, re-read every 200 ms, so the campaign can jump the
// clock backwards and forwards while the agent runs. The monotonic clock (performance.now) is left
// alone, as on a real gateway whose NTP or RTC-less boot steps the wall clock. The agent itself has
// no clock-injection hook; this stands in for faketime, which is not used here.
import { readFileSync } from 'node:fs';

const file = process.env.EV_EDGE_CAMPAIGN_CLOCK_FILE;
if (file) {
  const RealDate = Date;
  let offset = 0;
  const read = () => {
    try {
      const v = Number(readFileSync(file, 'utf8').trim());
      if (Number.isFinite(v)) offset = v;
    } catch {
      // no file yet: no shift
    }
  };
  read();
  setInterval(read, 200).unref();
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}
