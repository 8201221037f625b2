/**
 * The layering rules (README "Layout"), checked by dependency-cruiser in `npm test`:
 *
 *   core/  <-  drivers/, models/, sync/, config/  <-  agent/ (composition root)
 *
 * core/ is the shared vocabulary (record model, clock, flag parsing) and imports nothing of ours.
 * Only agent/ wires the parts together, so nothing below it may import it. drivers/ and sync/ are
 * independent halves of the pipeline (sources and sinks); models/ scores records and never ships them.
 * config/ aggregates the parts' schemas, so it may import them, but never agent/.
 * Tests, benchmarks and scripts (test/, bench/, scripts/) sit above everything and are not restricted.
 * test/architecture.test.ts proves each rule fails on a deliberate violation.
 */
const OURS = '^(core|agent|drivers|models|sync|config|test|bench|scripts|systemd)/';

module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing-of-ours',
      comment: 'core/ is the bottom layer: it may import node: modules and npm packages only.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: OURS, pathNot: '^core/' },
    },
    {
      name: 'only-agent-wires',
      comment: 'agent/ is the composition root: the parts never import it. Move shared code to core/ or pass it in.',
      severity: 'error',
      from: { path: '^(drivers|sync|models|config)/' },
      to: { path: '^agent/' },
    },
    {
      name: 'drivers-not-sync',
      comment: 'Sources and sinks are independent: a driver never imports a sink or the buffer.',
      severity: 'error',
      from: { path: '^drivers/' },
      to: { path: '^sync/' },
    },
    {
      name: 'sync-not-drivers',
      comment: 'Sinks and the buffer only know records (core/), never the drivers that made them.',
      severity: 'error',
      from: { path: '^sync/' },
      to: { path: '^drivers/' },
    },
    {
      name: 'models-not-sync',
      comment: 'Scoring reads and makes records; delivery is not its business.',
      severity: 'error',
      from: { path: '^models/' },
      to: { path: '^sync/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Our sources import './x.js' for './x.ts' (NodeNext); resolve them as TypeScript does.
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
