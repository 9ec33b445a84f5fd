/**
 * The regions DescribeRegions lists. Ids, endpoints and Chinese names are copied from a recorded response
 * (aliyun/alibabacloud-ecs-tool-troubleshooter `ecs-devops-dashboard/src/app/static/data/DescribeRegions.ts`,
 * commit 2a69222b, kept in /work/shared/alicloud-fixtures/ecs_DescribeRegions.json); the English names are the
 * console's, for `AcceptLanguage=en-US`.
 */
import { regionNotFound } from './errors.js';
import type { Params } from './params.js';

export const REGIONS: readonly [id: string, endpoint: string, zh: string, en: string][] = [
  ['cn-qingdao', 'ecs.cn-qingdao.aliyuncs.com', '华北1（青岛）', 'China (Qingdao)'],
  ['cn-beijing', 'ecs.cn-beijing.aliyuncs.com', '华北2（北京）', 'China (Beijing)'],
  ['cn-zhangjiakou', 'ecs.cn-zhangjiakou.aliyuncs.com', '华北3（张家口）', 'China (Zhangjiakou)'],
  ['cn-huhehaote', 'ecs.cn-huhehaote.aliyuncs.com', '华北5（呼和浩特）', 'China (Hohhot)'],
  ['cn-wulanchabu', 'ecs.cn-wulanchabu.aliyuncs.com', '华北6（乌兰察布）', 'China (Ulanqab)'],
  ['cn-hangzhou', 'ecs.aliyuncs.com', '华东1（杭州）', 'China (Hangzhou)'],
  ['cn-shanghai', 'ecs.cn-shanghai.aliyuncs.com', '华东2（上海）', 'China (Shanghai)'],
  ['cn-nanjing', 'ecs.cn-nanjing.aliyuncs.com', '华东5（南京-本地地域）', 'China (Nanjing - Local Region)'],
  ['cn-shenzhen', 'ecs.cn-shenzhen.aliyuncs.com', '华南1（深圳）', 'China (Shenzhen)'],
  ['cn-heyuan', 'ecs.cn-heyuan.aliyuncs.com', '华南2（河源）', 'China (Heyuan)'],
  ['cn-guangzhou', 'ecs.cn-guangzhou.aliyuncs.com', '华南3（广州）', 'China (Guangzhou)'],
  ['cn-fuzhou', 'ecs.cn-fuzhou.aliyuncs.com', '华东6（福州-本地地域）', 'China (Fuzhou - Local Region)'],
  ['cn-wuhan-lr', 'ecs.cn-wuhan-lr.aliyuncs.com', '华中1（武汉-本地地域）', 'China (Wuhan - Local Region)'],
  ['cn-chengdu', 'ecs.cn-chengdu.aliyuncs.com', '西南1（成都）', 'China (Chengdu)'],
  ['cn-hongkong', 'ecs.cn-hongkong.aliyuncs.com', '中国香港', 'China (Hong Kong)'],
  ['ap-northeast-1', 'ecs.ap-northeast-1.aliyuncs.com', '日本（东京）', 'Japan (Tokyo)'],
  ['ap-northeast-2', 'ecs.ap-northeast-2.aliyuncs.com', '韩国（首尔）', 'South Korea (Seoul)'],
  ['ap-southeast-1', 'ecs.ap-southeast-1.aliyuncs.com', '新加坡', 'Singapore'],
  ['ap-southeast-2', 'ecs.ap-southeast-2.aliyuncs.com', '澳大利亚（悉尼）', 'Australia (Sydney)'],
  ['ap-southeast-3', 'ecs.ap-southeast-3.aliyuncs.com', '马来西亚（吉隆坡）', 'Malaysia (Kuala Lumpur)'],
  ['ap-southeast-6', 'ecs.ap-southeast-6.aliyuncs.com', '菲律宾（马尼拉）', 'Philippines (Manila)'],
  ['ap-southeast-5', 'ecs.ap-southeast-5.aliyuncs.com', '印度尼西亚（雅加达）', 'Indonesia (Jakarta)'],
  ['ap-south-1', 'ecs.ap-south-1.aliyuncs.com', '印度（孟买）', 'India (Mumbai)'],
  ['ap-southeast-7', 'ecs.ap-southeast-7.aliyuncs.com', '泰国（曼谷）', 'Thailand (Bangkok)'],
  ['us-east-1', 'ecs.us-east-1.aliyuncs.com', '美国（弗吉尼亚）', 'US (Virginia)'],
  ['us-west-1', 'ecs.us-west-1.aliyuncs.com', '美国（硅谷）', 'US (Silicon Valley)'],
  ['eu-west-1', 'ecs.eu-west-1.aliyuncs.com', '英国（伦敦）', 'UK (London)'],
  ['me-east-1', 'ecs.me-east-1.aliyuncs.com', '阿联酋（迪拜）', 'UAE (Dubai)'],
  ['eu-central-1', 'ecs.eu-central-1.aliyuncs.com', '德国（法兰克福）', 'Germany (Frankfurt)'],
];

export function isKnownRegion(id: string): boolean {
  return REGIONS.some((r) => r[0] === id);
}

/**
 * Validates `RegionId` the way the gateway does: missing → MissingParameter (when required), unknown →
 * InvalidRegionId.NotFound. Returns whether it is the world's region (another valid region is simply empty).
 */
export function inWorldRegion(p: Params, worldRegion: string, required = true): boolean {
  const r = required ? p.req('RegionId') : p.str('RegionId');
  if (r === undefined) return true;
  if (!isKnownRegion(r) && r !== worldRegion) throw regionNotFound();
  return r === worldRegion;
}
