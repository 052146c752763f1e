// Progressive enhancement only: without JavaScript the menu is simply always open.
(function () {
    "use strict";
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("menu-principal");
    if (!toggle || !nav) {
        return;
    }
    toggle.hidden = false;
    nav.classList.add("is-collapsed");
    toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", open ? "false" : "true");
        nav.classList.toggle("is-collapsed", open);
    });
})();

// "Afficher le mot de passe": lets a parent on a phone check what they typed.
(function () {
    "use strict";
    document.querySelectorAll("[data-toggle-password]").forEach(function (button) {
        var input = document.getElementById(button.getAttribute("data-toggle-password"));
        if (!input) {
            return;
        }
        var showLabel = button.textContent;
        var hideLabel = button.getAttribute("data-hide-label") || "Masquer le mot de passe";
        // The label says what a press does; no aria-pressed besides, or a screen reader
        // would announce "Masquer le mot de passe, pressed".
        button.hidden = false;
        button.addEventListener("click", function () {
            var shown = input.type === "text";
            input.type = shown ? "password" : "text";
            button.textContent = shown ? showLabel : hideLabel;
        });
    });
})();

// Live character counter under long text (data-maxchars, set by LongTextField): the browser never
// cuts a paste at a maxlength; the parent sees what is left, or how much to remove, and the server
// still refuses too long a text with its message. The French texts come from base.html's template.
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
