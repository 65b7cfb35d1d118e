// Each form is sent once: a second click (a double click, an impatient
// one) would send the sealed request again, which the server refuses as
// already used, and the browser would show that answer instead of the
// first. The pages work without this script.
document.addEventListener("submit", function (e) {
  if (e.target.dataset.sent) {
    e.preventDefault();
    return;
  }
  e.target.dataset.sent = "1";
});
