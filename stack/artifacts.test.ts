import { describe, expect, it } from 'vitest';
import { artifactsPom, pomStamp } from './artifacts.js';
import { stackVersions } from './versions.js';

describe('artifacts pom', () => {
  const pom = artifactsPom(stackVersions);
  it('asks for the broker, its tools, Connect and the SLF4J 1 log4j binding in one Kafka version', () => {
    for (const a of ['kafka_2.13', 'kafka-tools', 'connect-runtime', 'connect-json', 'connect-transforms']) {
      expect(pom).toContain(`<artifactId>${a}</artifactId><version>4.3.1</version>`);
    }
    expect(pom).toContain('<artifactId>log4j-slf4j-impl</artifactId>');
    expect(pom).not.toContain('log4j-slf4j2-impl');
  });
  it('copies both Debezium plugins and the registry distribution as archives', () => {
    expect(pom).toContain(
      '<artifactId>debezium-connector-postgres</artifactId><version>3.6.1.Final</version><type>tar.gz</type><classifier>plugin</classifier>',
    );
    expect(pom).toContain(
      '<artifactId>debezium-connector-sqlserver</artifactId><version>3.6.1.Final</version><type>tar.gz</type><classifier>plugin</classifier>',
    );
    expect(pom).toContain(
      '<artifactId>apicurio-registry-app</artifactId><version>3.0.9</version><type>tar.gz</type><classifier>all</classifier>',
    );
  });
  it('changes its stamp when a version changes, so a new version is fetched', () => {
    expect(pomStamp(pom)).toBe(pomStamp(artifactsPom(stackVersions)));
    expect(pomStamp(pom)).not.toBe(pomStamp(artifactsPom({ ...stackVersions, debezium: '3.7.0.Final' })));
  });
});
