import { cyberCategoryFromSuricata } from './suricata-category';

describe('cyberCategoryFromSuricata', () => {
  it.each([
    ['Attempted Administrator Privilege Gain', 'intrusion'],
    ['Attempted User Privilege Gain', 'intrusion'],
    ['Successful Administrator Privilege Gain', 'intrusion'],
    ['Successful User Privilege Gain', 'intrusion'],
    ['Web Application Attack', 'intrusion'],
    ['A Network Trojan was detected', 'malware'],
    ['Malware Command and Control Activity Detected', 'malware'],
    ['Detection of a Network Scan', 'scan'],
    ['Attempted Information Leak', 'scan'],
    ['Detection of a Denial of Service Attack', 'dos'],
    ['Attempted Denial of Service', 'dos'],
    ['Potential Corporate Privacy Violation', 'policy'],
    ['Potentially Bad Traffic', 'policy'],
    ['Not Suspicious Traffic', 'policy'],
    ['Generic Protocol Command Decode', 'policy'],
    ['An attempted login using a suspicious username was detected', 'auth_failure'],
    ['Attempt to login by a default username and password', 'auth_failure'],
    ['OT Authentication Failure', 'auth_failure'],
    ['Weak PASSWORD observed', 'auth_failure'],
    ['Misc activity', 'anomaly'],
    ['Unknown Traffic', 'anomaly'],
    ['', 'anomaly'],
  ])('maps "%s" to %s', (description, category) => {
    expect(cyberCategoryFromSuricata(description)).toBe(category);
  });

  it('ignores case and surrounding space', () => {
    expect(cyberCategoryFromSuricata('  a network TROJAN was detected ')).toBe('malware');
  });

  it('treats a missing category as an anomaly', () => {
    expect(cyberCategoryFromSuricata(undefined)).toBe('anomaly');
  });

  it('is not fooled by inherited property names', () => {
    expect(cyberCategoryFromSuricata('constructor')).toBe('anomaly');
    expect(cyberCategoryFromSuricata('__proto__')).toBe('anomaly');
  });
});
