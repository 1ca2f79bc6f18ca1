// `cashflow topology`: the graph as text and as Mermaid, from topology/topology.ts alone.
import type { TopicSpec, Topology } from './topology.js';

function topicSummary(t: TopicSpec): string {
  const policy = t.compacted
    ? 'compacted'
    : t.retentionMs < 0
      ? 'kept forever'
      : `retention ${days(t.retentionMs)}`;
  const value = t.value.format === 'avro' ? `avro ${t.value.record}` : 'debezium json';
  return `${t.partitions} partitions, ${policy}, key ${t.key.kind}, value ${value}`;
}

function days(ms: number): string {
  return `${Math.round(ms / 86_400_000)}d`;
}

export function renderText(topology: Topology): string {
  const lines: string[] = ['topics'];
  const width = Math.max(...topology.topics.map((t) => t.name.length));
  for (const t of topology.topics) lines.push(`  ${t.name.padEnd(width)}  ${topicSummary(t)}`);
  lines.push('', 'processors');
  for (const x of topology.processors) {
    lines.push(`  ${x.name} (group ${x.consumerGroup}): ${x.description}`);
    lines.push(`    in:  ${x.inputs.map((id) => topology.topic(id).name).join(', ')}`);
    lines.push(`    out: ${x.outputs.map((id) => topology.topic(id).name).join(', ')}`);
    for (const s of x.state) lines.push(`    state: ${s}`);
  }
  lines.push('', 'flow (every processor also writes poison input to the dead letter topic)');
  const dead = topology.topics.find((t) => t.id === 'deadLetter')?.id;
  for (const x of topology.processors) {
    const ins = x.inputs.map((id) => topology.topic(id).name).join(' + ');
    const outs = x.outputs.filter((id) => id !== dead).map((id) => topology.topic(id).name);
    if (x.name === 'sink') outs.push('database');
    lines.push(`  ${ins} → ${x.name} → ${outs.join(' + ')}`);
  }
  return lines.join('\n') + '\n';
}

const mermaidId = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

export function renderMermaid(topology: Topology): string {
  const lines = ['flowchart LR'];
  lines.push('  sourceDb[("source tables")]', '  resultDb[("result tables")]');
  for (const t of topology.topics) {
    const shape = t.compacted ? `[["${t.name}<br/>compacted"]]` : `[["${t.name}"]]`;
    lines.push(`  ${mermaidId(`t_${t.name}`)}${shape}`);
  }
  for (const x of topology.processors) lines.push(`  ${mermaidId(`p_${x.name}`)}("${x.name}")`);
  for (const t of topology.topics) {
    if (t.producedBy.includes('debezium'))
      lines.push(`  sourceDb -- debezium --> ${mermaidId(`t_${t.name}`)}`);
  }
  for (const x of topology.processors) {
    for (const i of x.inputs)
      lines.push(`  ${mermaidId(`t_${topology.topic(i).name}`)} --> ${mermaidId(`p_${x.name}`)}`);
    for (const o of x.outputs)
      lines.push(`  ${mermaidId(`p_${x.name}`)} --> ${mermaidId(`t_${topology.topic(o).name}`)}`);
  }
  lines.push(`  ${mermaidId('p_sink')} --> resultDb`);
  return lines.join('\n') + '\n';
}
