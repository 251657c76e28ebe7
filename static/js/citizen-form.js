// The citizen form, enhanced: characters left under each text box. Without this script the
// hint states the limit, and a longer text is refused by the server with a message.
"use strict";
document.querySelectorAll("textarea[data-max-length]").forEach(function (box) {
  var counter = document.getElementById(box.getAttribute("aria-describedby").split(" ").pop());
  var maximum = Number(box.dataset.maxLength);
  var shown = null;
  function update() {
    var left = maximum - box.value.length;
    var words = left >= 0 ? box.dataset.left : box.dataset.over;
    var text = words.replace("{count}", String(Math.abs(left)));
    if (text !== shown) {
      counter.textContent = text;
      counter.classList.toggle("error", left < 0);
      shown = text;
    }
  }
  box.addEventListener("input", update);
  update();
});
