// The BrokerGateway dashboard: asks for a bearer token once (kept in this tab's session storage),
// then reads GET /v1/dashboard with it every few seconds and draws what it says. Every value from
// the gateway is put into the page as text, never as markup.
'use strict';

(() => {
  const TokenKey = 'brokergateway.dashboard.token';
  const RefreshMs = 10000;
  const Palette = ['#0969da', '#1a7f37', '#9a6700', '#cf222e', '#8250df', '#bf3989', '#1b7c83', '#953800', '#57606a', '#0550ae'];
  const charts = {};
  let timer = null;

  const $ = (id) => document.getElementById(id);

  function setState(state) {
    document.body.dataset.state = state;
  }

  function stop() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  }

  function schedule() {
    stop();
    timer = setTimeout(refresh, RefreshMs);
  }

  function showSignIn(message, state) {
    stop();
    $('dashboard').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('updated').textContent = '';
    const error = $('sign-in-error');
    error.textContent = message || '';
    error.hidden = !message;
    $('token').value = '';
    $('token').focus();
    setState(state || 'sign-in');
  }

  function fail(message) {
    const failure = $('failure');
    failure.textContent = message;
    failure.hidden = !message;
  }

  async function reason(response) {
    try {
      const body = await response.json();
      return (body && body.error && body.error.message) || response.statusText;
    } catch {
      return response.statusText;
    }
  }

  async function refresh() {
    timer = null;
    const token = sessionStorage.getItem(TokenKey);
    if (!token) {
      showSignIn();
      return;
    }

    let response;
    try {
      response = await fetch('v1/dashboard', { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' }, cache: 'no-store' });
    } catch (e) {
      fail('The gateway did not answer (' + e.message + '); trying again.');
      schedule();
      return;
    }

    if (response.status === 401 || response.status === 403) {
      sessionStorage.removeItem(TokenKey);
      const why = await reason(response);
      showSignIn((response.status === 401 ? 'That token was not accepted: ' : 'That token does not open the dashboard: ') + why, 'refused');
      return;
    }

    if (!response.ok) {
      fail('The gateway answered ' + response.status + ': ' + await reason(response) + ' Trying again.');
      schedule();
      return;
    }

    const data = await response.json();
    fail('');
    $('sign-in').hidden = true;
    $('dashboard').hidden = false;
    $('sign-out').hidden = false;
    render(data);
    setState('ready');
    schedule();
  }

  function cell(row, text, className, title) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '–' : String(text);
    if (className) {
      td.className = className;
    }

    if (title) {
      td.title = title;
    }

    row.appendChild(td);
    return td;
  }

  function fill(tableId, items, columns, empty) {
    const body = $(tableId).tBodies[0];
    body.replaceChildren();
    if (items.length === 0) {
      const row = body.insertRow();
      const td = cell(row, empty, 'muted');
      td.colSpan = columns;
      return;
    }

    for (const item of items) {
      item(body.insertRow());
    }
  }

  const number = new Intl.NumberFormat();

  function render(data) {
    $('updated').textContent = 'Updated ' + new Date(data.generated_at).toLocaleTimeString();
    $('no-usage').hidden = data.usage_records;

    fill('endpoints', data.endpoints.map((e) => (row) => {
      row.dataset.endpoint = e.endpoint_id;
      cell(row, e.name + ' (' + e.endpoint_id + ')', null, e.url);
      cell(row, e.model);
      cell(row, e.status, 'state-' + e.status);
      const health = e.health.state === 'cooling_down'
        ? 'cooling down until ' + new Date(e.health.cooling_until).toLocaleTimeString()
        : e.health.state;
      cell(row, health, 'state-' + e.health.state, e.health.last_error ? 'last error: ' + e.health.last_error : null);
      cell(row, e.dispatchers, 'num' + (e.dispatchers === 0 ? ' state-none' : ''));
      cell(row, e.queue_depth, 'num');
      cell(row, e.batch_queue_depth, 'num');
      cell(row, e.calls_in_flight, 'num');
    }), 8, 'No endpoints in the manifest.');

    drawCharts(data.traffic);

    const scopes = (list) => list.map((s) => (row) => {
      cell(row, s.name);
      cell(row, number.format(s.today), 'num');
      cell(row, number.format(s.month), 'num');
    });
    fill('tokens-users', scopes(data.tokens.users), 3, 'No tokens this month.');
    fill('tokens-groups', scopes(data.tokens.groups), 3, 'No tokens this month.');

    fill('batches', data.batches.map((b) => (row) => {
      row.dataset.batch = b.id;
      cell(row, b.id);
      cell(row, b.owner);
      cell(row, b.endpoint);
      cell(row, b.status);
      const td = cell(row, '');
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.setAttribute('role', 'progressbar');
      bar.setAttribute('aria-valuemin', '0');
      bar.setAttribute('aria-valuemax', String(b.total));
      bar.setAttribute('aria-valuenow', String(b.completed + b.failed));
      const share = (n) => (b.total > 0 ? (100 * n) / b.total : 0);
      const done = document.createElement('div');
      done.className = 'done';
      done.style.width = share(b.completed + b.failed) + '%';
      const failed = document.createElement('div');
      failed.className = 'failed';
      failed.style.width = share(b.failed) + '%';
      const label = document.createElement('span');
      label.textContent = number.format(b.completed) + ' done, ' + number.format(b.failed) + ' failed of ' + number.format(b.total);
      bar.append(done, failed);
      td.className = 'progress';
      td.replaceChildren(bar, label);
    }), 5, 'No batch in progress.');
  }

  /** A point's radius: drawn only where no line passes through it (no value on either side). */
  function isolated(context) {
    const data = context.dataset.data;
    const i = context.dataIndex;
    const missing = (j) => j < 0 || j >= data.length || data[j] === null;
    return data[i] !== null && missing(i - 1) && missing(i + 1) ? 3 : 0;
  }

  function drawCharts(traffic) {
    const labels = traffic.minutes.map((m) => new Date(m + ':00Z').toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    const color = (i) => Palette[i % Palette.length];
    const line = (label, data, i, dashed) => ({
      label,
      data,
      borderColor: color(i),
      backgroundColor: color(i),
      borderWidth: 2,
      borderDash: dashed ? [6, 4] : [],
      // A minute with data between empty ones has no line to draw: its point shows it.
      pointRadius: isolated,
      spanGaps: true,
      tension: 0.2,
    });

    draw('chart-requests', labels, traffic.models.map((m, i) => line(m.model, m.requests, i)));
    draw('chart-errors', labels, traffic.models.map((m, i) => line(m.model, m.client_errors.map((c, j) => c + m.server_errors[j]), i)));
    draw('chart-latency', labels, traffic.models.flatMap((m, i) => [line(m.model + ' p50', m.p50_ms, i), line(m.model + ' p95', m.p95_ms, i, true)]));
  }

  function draw(id, labels, datasets) {
    const chart = charts[id];
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets = datasets;
      chart.update('none');
      return;
    }

    charts[id] = new Chart($(id), {
      type: 'line',
      data: { labels, datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
        scales: {
          x: { ticks: { maxTicksLimit: 12, maxRotation: 0 } },
          y: { beginAtZero: true },
        },
      },
    });
  }

  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (token) {
      sessionStorage.setItem(TokenKey, token);
      $('token').value = '';
      refresh();
    }
  });

  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TokenKey);
    showSignIn();
  });

  refresh();
})();
