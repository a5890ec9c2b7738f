import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_ROUTE = 'jetvision:public-route';

/** Marks an `/api` route (or controller) as callable without an API key. Use sparingly and say why at the call site. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_ROUTE, true);
