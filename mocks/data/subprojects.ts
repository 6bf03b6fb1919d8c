import { z } from 'zod';

export const subprojectRecordSchema = z.object({
  subprojectId: z.string(),
  displayName: z.string(),
  labels: z.record(z.string(), z.string()).optional(),
  parentProjectId: z.string(),
  createTime: z.string(),
  updateTime: z.string(),
  deleted: z.boolean(),
  /** Epoch ms from which Provisioning and Conversation accept this subproject (contracts gap 11). */
  usableAt: z.number(),
});
export type SubprojectRecord = z.infer<typeof subprojectRecordSchema>;
