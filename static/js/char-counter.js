// Live character counter under long text (data-maxchars, set by CountedTextField and the parents'
// LongTextField): the browser never cuts a paste at a maxlength; the writer sees what is left, or how
// much to remove, and the server still refuses too long a text with its message. The French texts come
// from the <template id="char-counter"> of templates/includes/char_counter.html, which the site's
// base.html and the admin (config/wagtail_hooks.py) both insert with this script.
(function () {
    "use strict";
    var model = document.getElementById("char-counter");
    if (!model || !model.content || !model.content.firstElementChild) {
        return;
    }
    var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules("fr") : null;
    var numbers = window.Intl ? new Intl.NumberFormat("fr-FR") : null;
    document.querySelectorAll("[data-maxchars]").forEach(function (field, index) {
        var limit = parseInt(field.getAttribute("data-maxchars"), 10);
        if (!(limit > 0)) {
            return;
        }
        var counter = model.content.firstElementChild.cloneNode(true);
        counter.id = (field.id || "texte-" + index) + "_counter";
        field.insertAdjacentElement("afterend", counter);
        var described = field.getAttribute("aria-describedby");
        field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
        function update() {
            // Characters as the server counts them (an emoji is one), a line break as one.
            var left = limit - Array.from(field.value).length;
            var count = Math.abs(left);
            var form = (plural ? plural.select(count) : (count < 2 ? "one" : "other")) === "one" ? "one" : "other";
            var text = counter.getAttribute("data-" + (left < 0 ? "over-" : "") + form);
            counter.textContent = text.replace("{count}", numbers ? numbers.format(count) : String(count));
            counter.classList.toggle("char-counter--over", left < 0);
        }
        field.addEventListener("input", update);
        update();
    });
})();
