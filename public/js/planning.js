// The planning board's drag and drop: a bar dropped on a machine's row moves the item's plan to
// the machine and the day under the pointer, keeping its length. Without this (a phone, a
// keyboard, no JavaScript) each bar opens the same move as a form.
(function () {
  'use strict';
  let dragged = null;

  function dayUnder(days, clientX) {
    const box = days.getBoundingClientRect();
    const count = Number(days.dataset.days);
    const index = Math.min(count - 1, Math.max(0, Math.floor(((clientX - box.left) / box.width) * count)));
    const first = new Date(days.dataset.from + 'T00:00:00Z');
    return new Date(first.getTime() + index * 86400000).toISOString().slice(0, 10);
  }

  document.addEventListener('dragstart', function (event) {
    const bar = event.target instanceof Element ? event.target.closest('.plan-bar[draggable="true"]') : null;
    if (!bar) return;
    dragged = bar;
    bar.classList.add('dragging');
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', bar.getAttribute('href'));
  });

  document.addEventListener('dragend', function () {
    if (dragged) dragged.classList.remove('dragging');
    dragged = null;
    document.querySelectorAll('.drop-target').forEach(function (element) { element.classList.remove('drop-target'); });
  });

  document.addEventListener('dragover', function (event) {
    const days = dragged && event.target instanceof Element ? event.target.closest('.board-days') : null;
    if (!days) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    document.querySelectorAll('.drop-target').forEach(function (element) { if (element !== days) element.classList.remove('drop-target'); });
    days.classList.add('drop-target');
  });

  document.addEventListener('drop', function (event) {
    const days = dragged && event.target instanceof Element ? event.target.closest('.board-days') : null;
    if (!days) return;
    event.preventDefault();
    const bar = dragged;
    const row = days.closest('.board-row');
    const board = document.getElementById('planning-board');
    // The board is drawn again: the page stays where the planner was looking.
    const scrolled = window.scrollY;
    const boardScrolled = board.querySelector('.board-scroll') ? board.querySelector('.board-scroll').scrollLeft : 0;
    window.htmx.ajax('POST', bar.getAttribute('href').split('?')[0], {
      source: bar,
      target: '#planning-board',
      swap: 'outerHTML',
      values: { version: bar.dataset.version, machineId: row.dataset.machine, start: dayUnder(days, event.clientX), from: board.dataset.from, days: board.dataset.days },
    }).then(function () {
      window.scrollTo(0, scrolled);
      const drawn = document.querySelector('#planning-board .board-scroll');
      if (drawn) drawn.scrollLeft = boardScrolled;
    });
  });
})();
