import { describe, expect, test } from 'bun:test';
import { parseGlobalConfig } from './config.ts';

describe("firejail.config's X11 keys", () => {
  test('screen sizes and extra parameters (which add up, word by word)', () => {
    const { config, diagnostics } = parseGlobalConfig(
      'kiln.config',
      'xvfb-screen 1024x768x24\nxvfb-extra-params -pixdepths 8 24\nxvfb-extra-params -dpi 96\nxephyr-screen 640x480\nxephyr-extra-params -grayscale\nxephyr-window-title no\n',
    );
    expect(diagnostics).toEqual([]);
    expect(config.x11).toEqual({
      xvfbScreen: '1024x768x24',
      xvfbExtraParams: ['-pixdepths', '8', '24', '-dpi', '96'],
      xephyrScreen: '640x480',
      xephyrExtraParams: ['-grayscale'],
      xephyrWindowTitle: false,
    });
  });
  test('malformed values are errors at their line', () => {
    const { diagnostics } = parseGlobalConfig('kiln.config', 'xvfb-screen 1024x768\nxephyr-screen big\nxephyr-window-title maybe\n');
    expect(diagnostics.map((d) => [d.line, d.severity])).toEqual([[1, 'error'], [2, 'error'], [3, 'error']]);
  });
  test('without the keys, no X11 settings', () => {
    expect(parseGlobalConfig('kiln.config', 'allow-tray yes\n').config.x11).toBeUndefined();
  });
});
