import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('starts in sandbox mode with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('sandbox');
    expect(config.sandbox).toEqual({
      port: 4010,
      iframePort: 4011,
      metaPort: 4012,
      senderActivationMs: 3_000,
      allowRemote: false,
    });
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(4000);
    expect(config.autoProvision).toBe(true);
    expect(config.databaseFile).toBe('./data/gateway.sqlite');
  });

  it('configures Meta Embedded Signup from both of its ids, or not at all', () => {
    expect(loadConfig({}).metaSignup).toBeUndefined();
    const meta = loadConfig({ META_APP_ID: '1234567890', META_CONFIG_ID: '987654321' }).metaSignup;
    expect(meta).toEqual({
      appId: '1234567890',
      configId: '987654321',
      solutionId: undefined,
      graphApiVersion: 'v24.0',
      sdkUrl: 'https://connect.facebook.net/en_US/sdk.js',
      messageOrigins: ['https://www.facebook.com', 'https://web.facebook.com'],
    });
    const half = () => loadConfig({ META_APP_ID: '1234567890' });
    expect(half).toThrow(ConfigError);
    expect(half).toThrow(/set both for Meta Embedded Signup, or neither/);
    expect(() => loadConfig({ META_APP_ID: 'my-app', META_CONFIG_ID: '1' })).toThrow(
      /META_APP_ID: must be a numeric Meta app id/,
    );
    expect(() =>
      loadConfig({
        META_APP_ID: '1',
        META_CONFIG_ID: '2',
        META_SDK_URL: 'http://sdk.example/sdk.js',
      }),
    ).toThrow(/META_SDK_URL/);
  });

  it('lists every problem at once in live mode', () => {
    const error = (() => {
      try {
        loadConfig({ GATEWAY_MODE: 'live', PORT: 'eighty', SINCH_AUTH_MODE: 'magic' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'SINCH_AUTH_MODE',
      'PUBLIC_URL',
      'SENDZEN_PARTNER_API_KEY',
      'SINCH_PROJECT_ID',
      'SINCH_KEY_ID',
      'SINCH_KEY_SECRET',
      'SECRETS_KEY',
    ]) {
      expect(problems).toContain(name);
    }
  });

  it('refuses a secrets key that is not 32 bytes and a conversation URL without {region}', () => {
    expect(() =>
      loadConfig({
        SECRETS_KEY: Buffer.alloc(16).toString('base64'),
        SINCH_CONVERSATION_BASE_URL: 'https://eu.example',
      }),
    ).toThrow(
      /SECRETS_KEY[\s\S]*SINCH_CONVERSATION_BASE_URL|SINCH_CONVERSATION_BASE_URL[\s\S]*SECRETS_KEY/,
    );
  });

  it('treats an empty variable as unset and reads booleans the way shells write them', () => {
    const config = loadConfig({
      PORT: '',
      AUTO_PROVISION: 'false',
      PUBLIC_URL: 'https://gw.example.com/',
    });
    expect(config.port).toBe(4000);
    expect(config.autoProvision).toBe(false);
    expect(config.publicUrl).toBe('https://gw.example.com');
  });

  it('sends events through Redis only when REDIS_URL is set, and only to a redis:// URL', () => {
    expect(loadConfig({}).redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379/2' }).redis).toEqual({
      url: 'redis://10.0.0.5:6379/2',
      keyPrefix: 'wog:',
    });
    expect(() => loadConfig({ REDIS_URL: 'http://10.0.0.5:6379' })).toThrow(/REDIS_URL/);
  });

  describe('sandbox mode listens only on loopback unless told otherwise', () => {
    it.each(['127.0.0.1', '::1', 'localhost', '127.0.1.1'])('accepts HOST=%s', (host) => {
      expect(loadConfig({ HOST: host }).host).toBe(host);
    });

    it.each(['0.0.0.0', '::', '192.168.1.20', 'gateway.example.com'])(
      'refuses HOST=%s, naming both variables',
      (host) => {
        const error = (() => {
          try {
            loadConfig({ HOST: host });
          } catch (e) {
            return e;
          }
        })();
        expect(error).toBeInstanceOf(ConfigError);
        const problem = (error as ConfigError).problems.join('\n');
        expect(problem).toContain(`HOST: ${host}`);
        expect(problem).toContain('SANDBOX_ALLOW_REMOTE=true');
      },
    );

    it('lists the HOST problem beside the others', () => {
      expect(() => loadConfig({ HOST: '0.0.0.0', PORT: 'eighty' })).toThrow(
        /PORT[\s\S]*HOST: 0\.0\.0\.0|HOST: 0\.0\.0\.0[\s\S]*PORT/,
      );
    });

    it('opens to the network only with SANDBOX_ALLOW_REMOTE=true', () => {
      const config = loadConfig({ HOST: '0.0.0.0', SANDBOX_ALLOW_REMOTE: 'true' });
      expect(config.host).toBe('0.0.0.0');
      expect(config.sandbox?.allowRemote).toBe(true);
      expect(() => loadConfig({ HOST: '0.0.0.0', SANDBOX_ALLOW_REMOTE: 'false' })).toThrow(
        /SANDBOX_ALLOW_REMOTE/,
      );
      expect(loadConfig({ SANDBOX_ALLOW_REMOTE: 'true' }).sandbox?.allowRemote).toBe(true);
      expect(() => loadConfig({ SANDBOX_ALLOW_REMOTE: 'maybe' })).toThrow(/SANDBOX_ALLOW_REMOTE/);
    });

    it('leaves live mode free to listen where it is told', () => {
      const live = {
        GATEWAY_MODE: 'live',
        PUBLIC_URL: 'https://gw.example.com',
        SENDZEN_PARTNER_API_KEY: 'k',
        SINCH_PROJECT_ID: 'p',
        SINCH_KEY_ID: 'i',
        SINCH_KEY_SECRET: 's',
        SECRETS_KEY: Buffer.alloc(32).toString('base64'),
      };
      expect(loadConfig({ ...live, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    });
  });
});
