/** The window rules are source-neutral: they live in `src/domain/windows.ts`. */
export * from "../domain/windows.js";
