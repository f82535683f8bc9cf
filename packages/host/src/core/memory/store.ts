/** The memory store lives with the other tables (store/memory/store.ts); kept here for the memory ops' imports. */
export { memoryStore, MemoryStore, type MemoryFieldSpec } from "../../store/memory/store.js";
