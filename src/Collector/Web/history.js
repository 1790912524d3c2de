// The live view's memory: the figures of the last polls, for rates and charts.
// Invariants: a rate is the difference of two totals divided by the difference of the two answers' uptime_seconds
// (the collector's clock, not the browser's, so a slow poll does not distort it); a restart (uptime going back)
// starts the history afresh rather than showing a negative rate.

const Keep = 90; // three minutes at one poll every 2 s

export class History {
  constructor() {
    this.samples = [];
  }

  /** Adds one answer's totals ({ name: number }) at its uptime; returns the rates since the previous answer. */
  add(uptime, totals, extra = {}) {
    const previous = this.samples.at(-1);
    if (previous && uptime <= previous.uptime) {
      this.samples = [];
    }
    const last = this.samples.at(-1);
    const rates = {};
    for (const [name, total] of Object.entries(totals)) {
      rates[name] = last ? (total - last.totals[name]) / (uptime - last.uptime) : null;
    }
    this.samples.push({ uptime, totals, rates, extra });
    if (this.samples.length > Keep) {
      this.samples.shift();
    }
    return { rates, previousUptime: last ? last.uptime : null };
  }

  /** Points [uptime, rate] of one total, for lineChart. */
  ratePoints(name) {
    return this.samples.filter(s => s.rates[name] !== null).map(s => [s.uptime, s.rates[name]]);
  }

  /** Points [uptime, value] of one extra figure. */
  points(name) {
    return this.samples.map(s => [s.uptime, s.extra[name] ?? null]);
  }
}
