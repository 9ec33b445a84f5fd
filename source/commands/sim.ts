/**
 * `netdoctor sim [--scenario S] [--listen 127.0.0.1:0] [--ssh-listen 127.0.0.1:0]`: serve the simulated region
 * and print one JSON line (DESIGN.md §3) once it is ready, then serve until SIGINT/SIGTERM.
 * The key pair printed is the scenario's own test pair, which is what a client needs to call it.
 */
import { ScenarioError, startSim } from '../sim/index.js';

export interface SimOptions {
  scenario?: string;
  listen?: string;
  sshListen?: string;
}

export async function runSim(opts: SimOptions): Promise<number> {
  let sim: Awaited<ReturnType<typeof startSim>>;
  try {
    sim = await startSim({
      scenario: opts.scenario ?? 'storefront',
      listen: opts.listen,
      ssh: { listen: opts.sshListen },
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (e instanceof ScenarioError) process.stderr.write(`netdoctor sim: ${err.message}\n`);
    else if (err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES')
      process.stderr.write(
        `netdoctor sim: cannot listen on ${opts.listen ?? '127.0.0.1:0'} (${err.code}): pick another address with --listen HOST:PORT.\n`,
      );
    else process.stderr.write(`netdoctor sim: ${err.message ?? String(e)}\n`);
    return 2;
  }
  const line: Record<string, unknown> = {
    endpoint: sim.endpoint,
    ssh: sim.ssh ? `${sim.ssh.host}:${sim.ssh.port}` : null,
    accessKeyId: sim.accessKeyId,
    accessKeySecret: sim.accessKeySecret,
    scenario: sim.scenario,
  };
  if (!sim.ssh && sim.advert.sshError) line.sshError = sim.advert.sshError;
  process.stdout.write(`${JSON.stringify(line)}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
  return 0;
}
