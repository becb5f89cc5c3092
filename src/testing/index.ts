// slokit/testing: what users need to test their SLIs and instrumented apps.

export { httpEvent } from './events.js';
