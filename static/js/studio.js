/* Studio: live reading check, recording. Optional extras; no network. */
(() => {
  "use strict";
  const doc = document;
  const lang = doc.documentElement.lang || undefined;

  const el = (tag, className, text) => {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    node.textContent = text || "";
    return node;
  };
  const num = (value, digits = 0) =>
    new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits })
      .format(value);
  /* Python "%(name)s" */
  const fill = (template, values) =>
    template.replace(/%(?:\((\w+)\)s|%)/g, (all, key) => (key ? values[key] : "%"));

  /* (a) as voice_app.readability.hints() */
  const hits = (re, text) => text.match(re) || [];
  const words = (text) => hits(/[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu, text); /* _WORD */
  /* Estimates CMU syllables. +vowels said apart, -silent e */
  const syllables = (word) => {
    let w = word.toLowerCase().replace(/[^a-z-]/g, "");
    if (w.includes("-")) return w.split("-").reduce((n, part) => n + syllables(part), 0);
    const n =
      hits(/[aeiouy]ing$|[^cgstx]i(?:a|o(?!ur)|u)|[cgstx]iat|[^aeiouy]ie(?:st|rs?)$|ism$|^crea|^reac[^h]|eas?$|[^q]uen|[^gq]ua[^r]|eo[^up]|yone|[^t]ien[ct]e|[dlu]ie[nt]|[fhwu]ire[ds]?$|^tire/g, w).length -
      hits(/[aiou][^aeiouy]e(?:ly|ment|ful|ness|less|ty|guard|thing|one|where|body|work|base|name|time|way|line)|ically$|^every.|fferently/g, w).length;
    w = w.replace(/^y/, "").replace(/qu/g, "q").replace(/gues?$/, "g");
    if (!/(?:[^aeiouyl]le[sd]?|[cgsxz]es|[cs]hes|[td]ed)$/.test(w)) w = w.replace(/(?:es|ed|e)$/, "");
    return Math.max(1, n + hits(/[aeiouy]+/g, w).length);
  };

  const report = (text, target, rules, msg) => {
    text = text.replace(/[\u2018\u2019]/g, "'").replace(/\u2010/g, "-").trim(); /* _normalise */
    const counts = text.split(/[.!?]["')\]]*\s+|\n+/).map((s) => words(s).length).filter(Boolean);
    const all = words(text);
    const total = all.length;
    const limit = num(target.max_words_per_sentence);
    const max = num(target.max_grade, 1);
    /* Flesch-Kincaid as textstat counts: no punctuation; [.!?] ends sentences of 3+ words */
    const tokens = (s) => s.replace(/[^\p{L}\p{N}\s]/gu, "").split(/\s+/).filter(Boolean);
    const ts = tokens(text);
    const sentences = Math.max(1, text.split(/[.!?]+/).filter((s) => tokens(s).length > 2).length);
    const beats = ts.reduce((n, w) => n + syllables(w), 0);
    const grade = ts.length ? (0.39 * ts.length) / sentences + (11.8 * beats) / ts.length - 15.59 : 0;
    const shown = num(Math.round(grade * 10) / 10, 1);
    const seen = new Set();
    const hints = [];
    counts.forEach((n, i) => {
      if (n > target.max_words_per_sentence) {
        hints.push(fill(msg.long_sentence, { sentence: num(i + 1), words: num(n), limit }));
      }
    });
    if (total >= rules.grade_min_words && grade > target.max_grade) {
      hints.push(fill(msg.grade_too_high, { grade: shown, limit: max }));
    }
    for (const word of all) {
      const key = word.toLowerCase();
      const suggestion = rules.plainer_words[key];
      const n = syllables(word);
      if (seen.has(key)) continue;
      seen.add(key);
      if (typeof suggestion === "string") { /* not "constructor" */
        hints.push(fill(msg.plainer_word, { word, suggestion }));
      } else if (n >= target.long_word_syllables && !rules.familiar_long_words.includes(key)) {
        hints.push(fill(msg.long_word, { word, syllables: num(n) }));
      }
    }
    const summary = fill(msg.summary, { words: num(Math.max(0, ...counts)), limit, grade: shown, target: max });
    return [total < rules.grade_min_words ? `${summary} ${msg.short_note}` : summary, hints];
  };

  doc.querySelectorAll("form[data-readability-rules]").forEach((form) => {
    const rules = JSON.parse(form.dataset.readabilityRules);
    const msg = JSON.parse(form.dataset.readabilityMessages);
    form.querySelectorAll("[data-readability-audience]").forEach((field) => {
      const target = rules.targets[field.dataset.readabilityAudience];
      const box = doc.getElementById(`${field.id}-readability`);
      let timer, last;
      if (!target || !box) return;
      field.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const result = field.value.trim() ? report(field.value, target, rules, msg) : null;
          const key = JSON.stringify(result);
          if (key === last) return; /* no repeat announcements */
          last = key;
          box.textContent = "";
          if (!result) return;
          const list = el("ul", "fv-readability__hints");
          result[1].forEach((hint) => list.append(el("li", "", hint)));
          box.append(
            el("p", "fv-readability__summary", result[0]),
            result[1].length ? list : el("p", "fv-readability__ok", msg.ok),
            el("p", "fv-readability__estimate", msg.estimate)
          );
        }, 250);
      });
    });
  });

  /* (b) recording into the file input; a normal submit uploads it */
  const media = navigator.mediaDevices;
  const Recorder = window.MediaRecorder;
  const type = Recorder && media && media.getUserMedia && window.DataTransfer && [
    ["audio/ogg;codecs=opus", "ogg"], ["audio/webm;codecs=opus", "webm"], ["audio/mp4", "m4a"]
  ].find((t) => Recorder.isTypeSupported(t[0]));

  (type ? doc.querySelectorAll("form[data-recorder]") : []).forEach((form) => {
    const input = form.querySelector("input[type=file]");
    const msg = form.dataset;
    const button = el("button", "fv-button fv-button--secondary", msg.msgRecord);
    const status = el("p", "fv-recorder__status");
    const player = el("audio");
    const group = el("div", "fv-recorder");
    let recorder, busy, timer, url;
    if (!input) return;
    const say = (label, text) => {
      button.textContent = label;
      status.textContent = text;
    };
    button.type = "button";
    status.setAttribute("role", "status");
    player.controls = player.hidden = true;
    group.append(button, status, player);
    (input.labels[0] || input).before(group);

    button.addEventListener("click", () => {
      if (recorder) return recorder.stop();
      if (busy) return;
      busy = true;
      media.getUserMedia({ audio: true }).then((stream) => {
        const chunks = [];
        const off = () => stream.getTracks().forEach((track) => track.stop());
        try { recorder = new Recorder(stream, { mimeType: type[0] }); } catch (e) { off(); throw e; }
        recorder.ondataavailable = (event) => event.data.size && chunks.push(event.data);
        recorder.onstop = () => {
          const file = new File(chunks, `recording.${type[1]}`, { type: type[0].split(";")[0] });
          const transfer = new DataTransfer();
          off();
          clearTimeout(timer);
          recorder = null;
          transfer.items.add(file);
          input.files = transfer.files;
          URL.revokeObjectURL(url);
          player.src = url = URL.createObjectURL(file);
          player.hidden = false;
          say(msg.msgAgain, msg.msgReady);
        };
        recorder.start();
        timer = setTimeout(() => recorder.stop(), 60000);
        player.hidden = true;
        player.pause();
        say(msg.msgStop, msg.msgRecording);
      }).catch(() => say(msg.msgRecord, msg.msgDenied)).then(() => { busy = false; });
    });
    /* a picked file replaces the recording */
    input.addEventListener("change", () => {
      player.hidden = true;
      say(msg.msgRecord, "");
    });
  });
})();
