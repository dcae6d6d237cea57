# Summarises GC events logged by GcHook (Hook.cs) per collection, for collections that started in [START, END]
# (CLOCK_MONOTONIC ns, e.g. the orleans benchmark's "timed window (monotonic ns)"). Usage: gc-events.py LOG START END.
# "cardmark ... in X ms": from the end of stack marking (GCMarkWithType Type=0) to the end of marking through the
# old generation's cards (Type=3: includes the finalization queue and handles, both small here); "after-mark": from
# there to GCEnd (the rest of marking, plan, relocate, compact). Pause: GCSuspendEEBegin to GCRestartEEEnd.
import sys,re
s,e=int(sys.argv[2]),int(sys.argv[3])
gcs=[];cur=None;susp=None
for line in open(sys.argv[1]):
    parts=line.split()
    if len(parts)<2: continue
    t=int(parts[0]); n=parts[1]
    kv=dict(p.split('=',1) for p in parts[2:] if '=' in p)
    if n.startswith('GCSuspendEEBegin'): susp=t
    elif n.startswith('GCStart'):
        cur={'t':t,'susp':susp,'depth':int(kv['Depth']),'type':kv['Type'],'marks':{}}
    elif n.startswith('GCMarkWithType') and cur is not None:
        ty=int(kv['Type']); 
        if ty not in cur['marks']: cur['marks'][ty]=(t,int(kv['Bytes']))
    elif n.startswith('GCEnd') and cur is not None: cur['end']=t
    elif n.startswith('GCHeapStats') and cur is not None:
        cur['p0']=int(kv['TotalPromotedSize0']);cur['p1']=int(kv['TotalPromotedSize1']);cur['g2']=int(kv['GenerationSize2']);cur['loh']=int(kv['GenerationSize3'])
    elif n.startswith('GCGlobalHeapHistory') and cur is not None: cur['mech']=kv['GlobalMechanisms']
    elif n.startswith('GCRestartEEEnd') and cur is not None:
        cur['restart']=t
        if s<=cur['t']<=e: gcs.append(cur)
        cur=None
tot={}
for g in gcs:
    d=g['depth']; pause=(g['restart']-(g['susp'] or g['t']))/1e6 if g['type']!='1' else 0
    ms=g['marks']; t0=g['t']
    older=(ms[3][0]-ms.get(0,(t0,0))[0])/1e6 if 3 in ms else 0
    after=(g.get('end',t0)-ms[3][0])/1e6 if 3 in ms else 0
    print(f"gen{d} type{g['type']} pause {pause:6.1f} ms  stackmark {ms.get(0,(0,0))[1]/1e6:5.2f}MB cardmark {ms.get(3,(0,0))[1]/1e6:5.2f}MB in {older:5.1f} ms, after-mark {after:5.1f} ms, prom0 {g.get('p0',0)/1e6:5.2f} prom1 {g.get('p1',0)/1e6:5.2f} g2 {g.get('g2',0)/1e6:.0f} loh {g.get('loh',0)/1e6:.0f} mech {g.get('mech')}")
    k=(d,g['type']); a=tot.setdefault(k,[0,0,0,0]); a[0]+=1; a[1]+=pause; a[2]+=older; a[3]+=after
for k,v in sorted(tot.items()): print(k, 'n',v[0],'pause %.0f (mean %.1f) cardmark %.0f (mean %.1f) aftermark %.0f (mean %.1f)'%(v[1],v[1]/v[0],v[2],v[2]/v[0],v[3],v[3]/v[0]))
