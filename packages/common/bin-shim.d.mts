/** Imports `dist/<entry>` of the package whose bin script is at `binUrl`; exits 1 with a hint when it is not built. */
export declare function runCompiled(binUrl: string, entry: string, name: string): Promise<void>;
