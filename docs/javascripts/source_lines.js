// On a source page, #L383-L411 (GitHub's form, which the chapters use) marks those lines and
// scrolls to the first. The code block's lines are spans with ids __span-0-<line>.
function markSourceLines() {
  const match = /^#L(\d+)(?:-L(\d+))?$/.exec(window.location.hash);
  document.querySelectorAll(".source-line-marked").forEach((line) => line.classList.remove("source-line-marked"));
  if (!match) return;
  const first = Number(match[1]);
  const last = Number(match[2] || match[1]);
  for (let number = first; number <= last; number++) {
    const line = document.getElementById(`__span-0-${number}`);
    if (line) line.classList.add("source-line-marked");
  }
  const start = document.getElementById(`__span-0-${first}`);
  if (start) start.scrollIntoView({ block: "center" });
}
window.addEventListener("hashchange", markSourceLines);
if (typeof document$ !== "undefined") document$.subscribe(markSourceLines);  // Material's page-load event
else window.addEventListener("load", markSourceLines);
