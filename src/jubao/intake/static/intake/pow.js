// Solves the server's proof-of-work challenge (SHA-256 of salt + number) before a report is sent.
// The solution goes into the hidden "pow" field; the server checks it and refuses a replay.
(() => {
  const form = document.querySelector("form[data-pow]");
  if (!form) return;
  const field = form.querySelector("input[name=pow]");
  const status = form.querySelector("[data-pow-status]");
  const encoder = new TextEncoder();
  let solving = null;

  const hex = (buffer) =>
    Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

  async function solve() {
    const response = await fetch(form.dataset.pow, { credentials: "same-origin" });
    if (!response.ok) throw new Error("challenge " + response.status);
    const challenge = await response.json();
    for (let number = 0; number <= challenge.maxnumber; number++) {
      const digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + number));
      if (hex(digest) === challenge.challenge) {
        const payload = {
          algorithm: challenge.algorithm,
          challenge: challenge.challenge,
          number,
          salt: challenge.salt,
          signature: challenge.signature,
        };
        field.value = btoa(JSON.stringify(payload));
        return;
      }
    }
    throw new Error("no solution");
  }

  function start() {
    if (!solving) {
      solving = solve().catch((error) => {
        solving = null;
        throw error;
      });
    }
    return solving;
  }

  if (!field.value) start().catch(() => {});
  form.addEventListener("submit", (event) => {
    if (field.value) return;
    event.preventDefault();
    if (status) status.textContent = status.dataset.wait || "…";
    start()
      .then(() => form.requestSubmit())
      .catch(() => {
        if (status) status.textContent = status.dataset.failed || "!";
      });
  });
})();
