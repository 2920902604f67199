/* Family Voice: small enhancements only. Every page works without this file. */
(function () {
  "use strict";
  var doc = document;
  doc.body.classList.add("js-enabled");

  var summary = doc.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }

  /* Read aloud: a recording if the page has one; else the device's voice, but only a
     local voice of exactly the listening language (some devices read other languages
     with an English voice); else nothing, and the "ask the grown-up" hint stays. */
  var listen = doc.querySelector("[data-listen]");
  var hint = doc.querySelector("[data-no-voice-hint]");
  var synth = window.speechSynthesis;
  function norm(tag) { return String(tag || "").replace("_", "-").toLowerCase(); }
  function textToRead() {
    var other = doc.querySelector("[data-listen-text]");
    if (other) { return (other.content || other).textContent.trim(); }
    var parts = [];
    doc.querySelectorAll("main [data-read]").forEach(function (el) {
      parts.push(el.textContent.trim());
    });
    return parts.join(". ");
  }
  /* "en-GB" needs an en-GB voice; "pl" (no region) takes pl-PL. Never another language. */
  function sameLanguage(voiceLang, want) {
    var have = norm(voiceLang);
    return have === want || (want.indexOf("-") < 0 && have.split("-")[0] === want);
  }
  function matchingVoice(lang) {
    var want = norm(lang);
    var voices = synth.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].localService && sameLanguage(voices[i].lang, want)) { return voices[i]; }
    }
    return null;
  }
  function setUpVoice() {
    var voice = matchingVoice(listen.dataset.listenLang || doc.documentElement.lang);
    listen.hidden = !voice;
    if (hint) { hint.hidden = Boolean(voice); }
    listen.onclick = function () {
      var utterance = new window.SpeechSynthesisUtterance(textToRead());
      utterance.voice = voice;
      utterance.lang = voice.lang;
      synth.cancel();
      synth.speak(utterance);
    };
  }
  if (listen && listen.dataset.listenAudio) {
    var player = doc.getElementById(listen.dataset.listenAudio);
    listen.addEventListener("click", function () { player.currentTime = 0; player.play(); });
  } else if (listen && synth && window.SpeechSynthesisUtterance) {
    setUpVoice();
    if (typeof synth.addEventListener === "function") {
      synth.addEventListener("voiceschanged", setUpVoice);
    }
  }

  /* "What matters most": tap cards in order; the three lists still carry the answer. */
  doc.querySelectorAll("[data-ranking]").forEach(function (box) {
    var selects = box.querySelectorAll("[data-ranking-selects] select");
    var cards = box.querySelectorAll("[data-ranking-cards] [data-value]");
    box.querySelector("[data-ranking-selects]").hidden = true;
    function order() {
      var picked = [];
      selects.forEach(function (s) { if (s.value) { picked.push(s.value); } });
      return picked;
    }
    function show() {
      var picked = order();
      cards.forEach(function (card) {
        var rank = picked.indexOf(card.dataset.value) + 1;
        card.setAttribute("aria-pressed", rank ? "true" : "false");
        card.querySelector("[data-rank]").textContent = rank ? String(rank) : "";
        card.querySelector("[data-rank-text]").textContent = rank ? " (" + rank + ")" : "";
      });
    }
    cards.forEach(function (card) {
      card.addEventListener("click", function () {
        var picked = order();
        var at = picked.indexOf(card.dataset.value);
        if (at >= 0) { picked.splice(at, 1); } else if (picked.length < selects.length) {
          picked.push(card.dataset.value);
        }
        selects.forEach(function (s, i) { s.value = picked[i] || ""; });
        show();
      });
    });
    show();
  });

  /* Thank-you page: clear the tablet for the next person after a visible countdown. */
  var countdown = doc.querySelector("[data-countdown]");
  var form = doc.querySelector("[data-reset-form]");
  var template = doc.querySelector("[data-countdown-text]");
  if (countdown && form && template) {
    var seconds = parseInt(countdown.dataset.countdown, 10) || 20;
    var text = template.content ? template.content.textContent : template.textContent;
    var tick = function () {
      countdown.textContent = text.replace("{seconds}", String(seconds));
      if (seconds <= 0) { form.submit(); return; }
      seconds -= 1;
      window.setTimeout(tick, 1000);
    };
    var more = doc.querySelector("[data-more-time]");
    if (more) { more.addEventListener("click", function () { seconds += 60; }); }
    tick();
  }
})();
