import json, sys
d = json.loads(sys.stdin.read().strip().splitlines()[-1])
l = d['latency_us']
print(sys.argv[1], 'deliveries/s', round(d['deliveries_per_sec']), 'latency ms p50 %.1f p99 %.1f max %.1f' % (l['p50']/1000, l['p99']/1000, l['max']/1000),
      'disconnects', d['disconnects'], 'gaps', d['gaps'], 'out_of_order', d['out_of_order'])
