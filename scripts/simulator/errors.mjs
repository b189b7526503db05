// Thrown for bad simulator options and control input; `field` names what was wrong, so the HTTP
// control API can answer 400 with the same message the JS API throws.
export class SimulatorInputError extends Error {
  constructor(field, detail) {
    super(`${field}: ${detail}`);
    this.name = 'SimulatorInputError';
    this.field = field;
  }
}
