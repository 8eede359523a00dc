// Types of the file the local server serves as /ui/vendor/preact-htm.js (htm/preact/standalone: Preact,
// its hooks and htm in one ES module). The page imports it by that relative path; tsc reads this.
export * from 'htm/preact';
