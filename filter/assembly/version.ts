/** Reported with every record; a test keeps it equal to package.json's version. */
export const MODULE_VERSION = "0.1.0";
