// Small enhancements only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  // Move focus to the first field in error, so that keyboard and screen-reader users land on it.
  const firstInvalid = document.querySelector("[aria-invalid='true']");
  if (firstInvalid) {
    firstInvalid.focus();
  }
});
