import type { CyberCategory } from './canonical-event.schema';

/**
 * Suricata writes a rule's classtype description (classification.config) as `alert.category`.
 * Known descriptions map to our categories; any other that speaks of logins, passwords or
 * authentication is `auth_failure`; the rest is `anomaly`.
 */
const BY_DESCRIPTION: Readonly<Record<string, CyberCategory>> = {
  'attempted administrator privilege gain': 'intrusion',
  'successful administrator privilege gain': 'intrusion',
  'attempted user privilege gain': 'intrusion',
  'unsuccessful user privilege gain': 'intrusion',
  'successful user privilege gain': 'intrusion',
  'web application attack': 'intrusion',
  'executable code was detected': 'intrusion',
  'a system call was detected': 'intrusion',
  'misc attack': 'intrusion',
  'targeted malicious activity was detected': 'intrusion',
  'successful credential theft detected': 'intrusion',
  'a network trojan was detected': 'malware',
  'malware command and control activity detected': 'malware',
  'domain observed used for c2 detected': 'malware',
  'exploit kit activity detected': 'malware',
  'possibly unwanted program detected': 'malware',
  'crypto currency mining activity detected': 'malware',
  'detection of a network scan': 'scan',
  'attempted information leak': 'scan',
  'information leak': 'scan',
  'large scale information leak': 'scan',
  'detection of a denial of service attack': 'dos',
  'attempted denial of service': 'dos',
  'denial of service': 'dos',
  'potential corporate privacy violation': 'policy',
  'potentially bad traffic': 'policy',
  'not suspicious traffic': 'policy',
  'generic protocol command decode': 'policy',
  'decode of an rpc query': 'policy',
  'inappropriate content was detected': 'policy',
  'device retrieving external ip address detected': 'policy',
};

const AUTH_WORDS = /login|password|authentication/i;

export function cyberCategoryFromSuricata(category: string | undefined): CyberCategory {
  const description = (category ?? '').trim().toLowerCase();
  if (Object.prototype.hasOwnProperty.call(BY_DESCRIPTION, description))
    return BY_DESCRIPTION[description] as CyberCategory;
  return AUTH_WORDS.test(description) ? 'auth_failure' : 'anomaly';
}
