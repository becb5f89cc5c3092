// slokit/testing: what users need to test their SLIs and instrumented apps.

export { httpEvent } from './events.js';
export { createFakeClock, FAKE_CLOCK_START_MS } from './clock.js';
export { playTraffic, trafficPhases } from './traffic.js';
export { kitTraffic } from './kit-traffic.js';
export { createTestKit } from './test-kit.js';

export type { FakeClock } from './clock.js';
export type { SliCount, TestKit, TestKitOptions } from './test-kit.js';
export type { PlayTrafficOptions, StepTraffic, TrafficPhase, TrafficTotals } from './traffic.js';
