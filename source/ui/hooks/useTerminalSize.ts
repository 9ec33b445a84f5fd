/**
 * Terminal size as state. Ink re-lays out on resize, but a component that read `stdout.columns` keeps the old
 * value until something else changes; subscribing to `resize` makes the layout follow the terminal at once.
 */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface Size {
  columns: number;
  rows: number;
}

export function useTerminalSize(): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  // biome-ignore lint/correctness/useExhaustiveDependencies: read() only closes over stdout
  useEffect(() => {
    const update = () => {
      const next = read();
      setSize((s) => (s.columns === next.columns && s.rows === next.rows ? s : next));
    };
    stdout.on('resize', update);
    update();
    return () => {
      stdout.off('resize', update);
    };
  }, [stdout]);
  return size;
}
