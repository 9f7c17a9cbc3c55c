/** Ready once the listeners are up; not ready again from the moment shutdown starts. */
export class Readiness {
  #ready = false
  get ready(): boolean {
    return this.#ready
  }
  markReady(): void {
    this.#ready = true
  }
  markDraining(): void {
    this.#ready = false
  }
}
