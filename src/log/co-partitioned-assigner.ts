import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import { coPartitionedAssign } from './assignment.js';

const NAME = 'recstream-copartitioned';
const VERSION = 1;

/**
 * A kafkajs partition assigner giving partition p of every input topic to one member (see
 * coPartitionedAssign): kafkajs's round robin deals clicks/2 and purchases/2 to different members
 * whenever the member count does not divide the partition count, splitting a user's state.
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: NAME,
  version: VERSION,
  async assign({ members, topics }) {
    const partitions = topics.flatMap((topic) =>
      cluster.findTopicPartitionMetadata(topic).map((m) => ({ topic, partition: m.partitionId })),
    );
    const subscribers = members
      .map((m) => ({ id: m.memberId, topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? topics }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const plan = coPartitionedAssign(subscribers, partitions);
    return [...plan].map(([memberId, tps]) => {
      const assignment: Record<string, number[]> = {};
      for (const tp of tps) (assignment[tp.topic] ??= []).push(tp.partition);
      return {
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment, userData: Buffer.alloc(0) }),
      };
    });
  },
  protocol({ topics }) {
    return { name: NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: Buffer.alloc(0) }) };
  },
});
