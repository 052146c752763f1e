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
