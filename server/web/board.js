// Tabella bulletin board: checks made in the voter's browser (docs/voters.md). The page works
// without this script; with it, the ballot page re-checks what the server said.
const data = JSON.parse(document.getElementById('board-data')?.textContent || 'null');
if (data) {
  const nojs = document.getElementById('checks-nojs');
  if (nojs) nojs.hidden = true;
}
