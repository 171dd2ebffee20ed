import { DurableObject } from 'cloudflare:workers';
export class Sentinel extends DurableObject {}
