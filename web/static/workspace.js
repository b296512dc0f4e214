// workspace.js — with JavaScript on, the workspace forms say what is wrong while one
// types (the same rules and messages the server applies on submit; the server still
// decides), and the clocks of biometric-identification cases run. The pages work
// without it.
'use strict';

(function () {
  const form = document.querySelector('form.work-form');
  if (form) {
    const m = (k) => form.dataset[k] || '';
    const patterns = {
      month: /^\d{4}-(0[1-9]|1[0-2])$/,
      date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
      email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
    };
    const problem = (el) => {
      const v = el.value.trim();
      if (el.required && !v) return m('msgRequired');
      if (!v) return '';
      if (el.maxLength > 0 && [...v].length > el.maxLength) return m('msgMax');
      const kind = el.dataset.kind;
      if (patterns[kind] && !patterns[kind].test(v)) return m('msgFormat');
      if (kind === 'url') {
        try {
          const u = new URL(v);
          if (u.protocol !== 'http:' && u.protocol !== 'https:') return m('msgFormat');
        } catch (e) {
          return m('msgFormat');
        }
      }
      return '';
    };
    const show = (el) => {
      const text = problem(el);
      const id = `${el.id}-live`;
      let p = document.getElementById(id);
      if (!p) {
        p = document.createElement('p');
        p.id = id;
        p.className = 'utrecht-form-field-error-message live-error';
        p.setAttribute('aria-live', 'polite');
        el.parentNode.insertBefore(p, el);
      }
      p.textContent = text ? `${el.dataset.label}: ${text}` : '';
      p.hidden = !text;
      if (text) {
        el.setAttribute('aria-invalid', 'true');
        el.setAttribute('aria-describedby', id);
      } else if (!document.getElementById(`${el.id}-error`)) {
        el.removeAttribute('aria-invalid');
        el.removeAttribute('aria-describedby');
      }
    };
    form.querySelectorAll('input[data-label], textarea[data-label]').forEach((el) => {
      let t;
      el.addEventListener('blur', () => show(el));
      el.addEventListener('input', () => { clearTimeout(t); t = setTimeout(() => show(el), 400); });
    });
  }

  // Clocks: "in use for" counts up from data-started, "due" counts down to data-deadline
  // (POSIX seconds); overdue ones say so.
  const clocks = document.querySelectorAll('[data-started], [data-deadline]');
  if (clocks.length) {
    const span = (s) => `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
    const tick = () => {
      const now = Date.now() / 1000;
      clocks.forEach((el) => {
        if (el.dataset.started) el.textContent = `${el.dataset.prefix || ''} ${span(now - Number(el.dataset.started))}`.trim();
        if (el.dataset.deadline) {
          const left = Number(el.dataset.deadline) - now;
          el.textContent = left > 0 ? `${span(left)} ${el.dataset.left || ''}`.trim() : (el.dataset.overdue || 'overdue');
        }
      });
    };
    tick();
    setInterval(tick, 30000);
  }
}());
