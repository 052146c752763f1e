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
