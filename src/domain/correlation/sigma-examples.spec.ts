import { correlate } from './correlate';
import type { KeyedSiteEvent } from './correlation-engine';
import { t } from './fixtures/correlation-events';
import { parseRules } from './rule-set';

/**
 * The examples of the Sigma correlation rules specification (v2), in its own field names
 * (EventID, User, ComputerName…): the engine reads any field path, not only OreGuard's.
 */
let n = 0;
function aLogEvent(at: Date | string, fields: Record<string, unknown>): KeyedSiteEvent {
  const occurredAt = typeof at === 'string' ? t(at) : at;
  return {
    key: `log-${String(++n).padStart(4, '0')}`,
    siteId: 'kolwezi-1',
    occurredAt,
    ...fields,
  } as unknown as KeyedSiteEvent;
}
const seconds = (start: string, s: number) => new Date(t(start).getTime() + s * 1000);

describe('the Sigma correlation specification examples', () => {
  it('Failed Logins Followed by Successful Login: a chain of temporal_ordered over event_count', () => {
    // The specification's complete example, as one multi-document file.
    const rules = parseRules(`
title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
description: Detects multiple failed logins by a single user followed by a successful login of that user
references:
    - https://reference.com
author: Florian Roth (Nextron Systems)
date: 2023-06-16
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
falsepositives:
    - Unlikely
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
description: Detects multiple failed logins within a certain amount of time
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
description: Detects a successful login
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
`);
    const failures = Array.from({ length: 10 }, (_, i) =>
      aLogEvent(seconds('03:00', i * 20), { EventID: i % 2 ? 529 : 4625, User: 'jdoe' }),
    );
    const success = aLogEvent('03:05', { EventID: 4624, User: 'jdoe' });
    const otherUser = aLogEvent('03:06', { EventID: 4624, User: 'asmith' });

    expect(correlate([...failures, success, otherUser], rules)).toEqual([
      expect.objectContaining({
        ruleId: 'b180ead8-d58f-40b2-ae54-c8940995b9b6',
        severity: 'high',
        group: { User: 'jdoe' },
        eventKeys: [...failures, success].map((e) => e.key).sort(),
      }),
    ]);
    // Nine failures are not "multiple failed logins", so the success alone is nothing.
    expect(correlate([...failures.slice(1), success], rules)).toEqual([]);
    // A success before the failures is not "followed by".
    expect(correlate([aLogEvent('02:59', { EventID: 4624, User: 'jdoe' }), ...failures], rules)).toEqual([]);
  });

  it('Many failed logins: event_count per ComputerName within 1h', () => {
    const rules = parseRules(`
title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
    type: event_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
    timespan: 1h
    condition:
        gte: 100
---
title: Failed logon
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
detection:
    selection:
        EventID: 4625
    condition: selection
`);
    const on = (host: string, count: number) =>
      Array.from({ length: count }, (_, i) =>
        aLogEvent(seconds('01:00', i * 30), { EventID: 4625, ComputerName: host }),
      );
    const matches = correlate([...on('ws-1', 100), ...on('ws-2', 99)], rules);
    expect(matches.map((m) => m.group)).toEqual([{ ComputerName: 'ws-1' }]);
    expect(matches[0].eventKeys).toHaveLength(100);
  });

  it('Failed login: value_count of distinct User per ComputerName and WorkstationName within 1d', () => {
    const rules = parseRules(`
title: Failed login
id: 0e95725d-7320-415d-80f7-004da920fc12
correlation:
    type: value_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
        - WorkstationName
    timespan: 1d
    condition:
        field: User
        gte: 100
---
title: Failed logon
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
detection:
    selection:
        EventID: 4625
    condition: selection
`);
    const tries = (users: number, workstation: string) =>
      Array.from({ length: 150 }, (_, i) =>
        aLogEvent(seconds('00:00', i * 60), {
          EventID: 4625,
          ComputerName: 'dc-1',
          WorkstationName: workstation,
          User: `user-${i % users}`,
        }),
      );
    expect(correlate([...tries(100, 'kiosk-1'), ...tries(99, 'kiosk-2')], rules).map((m) => m.group)).toEqual([
      { ComputerName: 'dc-1', WorkstationName: 'kiosk-1' },
    ]);
  });

  it('Reconnaissance commands: temporal, in any order within 5 minutes, same ComputerName and User', () => {
    const rules = parseRules(`
title: Recon
id: recon-temporal
correlation:
    type: temporal
    rules:
        - recon_cmd_a
        - recon_cmd_b
        - recon_cmd_c
    group-by:
        - ComputerName
        - User
    timespan: 5m
---
title: whoami
id: recon-a
name: recon_cmd_a
detection: { selection: { CommandLine|endswith: whoami.exe }, condition: selection }
---
title: net user
id: recon-b
name: recon_cmd_b
detection: { selection: { CommandLine|contains: 'net user' }, condition: selection }
---
title: ipconfig
id: recon-c
name: recon_cmd_c
detection: { selection: { CommandLine|startswith: ipconfig }, condition: selection }
`);
    const who = { ComputerName: 'eng-ws-4', User: 'svc-scada' };
    const inOrder = [
      aLogEvent('06:03', { ...who, CommandLine: 'ipconfig /all' }),
      aLogEvent('06:01', { ...who, CommandLine: 'C:\\Windows\\System32\\whoami.exe' }),
      aLogEvent('06:05', { ...who, CommandLine: 'NET USER administrator' }),
    ];
    expect(correlate(inOrder, rules)).toEqual([expect.objectContaining({ ruleId: 'recon-temporal', group: who })]);
    const spread = [
      aLogEvent('07:00', { ...who, CommandLine: 'whoami.exe' }),
      aLogEvent('07:02', { ...who, CommandLine: 'net user' }),
      aLogEvent('07:06', { ...who, CommandLine: 'ipconfig' }),
    ];
    expect(correlate(spread, rules)).toEqual([]);
  });

  it('Field name aliases: internal_ip and remote_ip across two rules within 10s', () => {
    const rules = parseRules(`
title: Internal error then connection
id: alias-example
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
---
title: Internal error
id: internal-error
name: internal_error
detection:
    selection:
        http.response.status_code: 500
    condition: selection
---
title: New network connection
id: new-network-connection
name: new_network_connection
detection:
    selection:
        event.category: network
        event.type: connection
        event.outcome: success
    condition: selection
`);
    const error = aLogEvent('08:00:00', {
      http: { response: { status_code: 500 } },
      source: { ip: '203.0.113.7' },
      destination: { ip: '10.0.0.5' },
    });
    const connection = aLogEvent('08:00:06', {
      event: { category: 'network', type: 'connection', outcome: 'success' },
      source: { ip: '10.0.0.5' },
      destination: { ip: '203.0.113.7' },
    });
    const unrelated = aLogEvent('08:00:07', {
      event: { category: 'network', type: 'connection', outcome: 'success' },
      source: { ip: '10.0.0.6' },
      destination: { ip: '203.0.113.7' },
    });
    expect(correlate([error, connection, unrelated], rules)).toEqual([
      expect.objectContaining({
        group: { internal_ip: '10.0.0.5', remote_ip: '203.0.113.7' },
        eventKeys: [error.key, connection.key].sort(),
      }),
    ]);
  });
});
